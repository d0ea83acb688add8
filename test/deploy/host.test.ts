import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { CONFIG_KEYS } from '../../src/config.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const pkg = JSON.parse(read('package.json')) as { engines: { node: string }; scripts: Record<string, string>; files: string[] };

describe('the host install: deploy/agentgate.service and deploy/env.example', () => {
  const unit = read('deploy/agentgate.service').split('\n');

  test('the unit runs as its own user, reads /etc/agentgate/env, restarts on failure, writes only its data directory', () => {
    for (const line of [
      'User=agentgate',
      'EnvironmentFile=/etc/agentgate/env',
      'Restart=on-failure',
      'ProtectSystem=strict',
      'StateDirectory=agentgate',
      'ReadWritePaths=/var/lib/agentgate',
      'Environment=DATA_DIR=/var/lib/agentgate',
      'ExecStart=/usr/bin/env agentgate serve',
    ]) {
      assert.ok(unit.includes(line), line);
    }
  });

  test('every variable in env.example is a setting agentgate reads', () => {
    const names = read('deploy/env.example')
      .split('\n')
      .flatMap((l) => /^#? ?([A-Z][A-Z0-9_]*)=/.exec(l)?.[1] ?? []);
    assert.ok(names.length >= 10);
    for (const name of names) assert.ok((CONFIG_KEYS as string[]).includes(name), `${name} is not in CONFIG_KEYS`);
  });
});

/** Does `version` (x.y.z) satisfy an npm engines range? Enough of the grammar for what lock files hold. */
function satisfies(version: string, range: string): boolean {
  const v = version.split('.').map(Number);
  const cmp = (a: number[], b: number[]) => (a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!);
  const parse = (s: string) => {
    const parts = s.replace(/^v/, '').split('.');
    return [0, 1, 2].map((i) => (parts[i] === undefined || /^[x*]$/i.test(parts[i]!) ? 0 : Number.parseInt(parts[i]!, 10)));
  };
  const one = (c: string): boolean => {
    const m = /^(>=|<=|>|<|=|\^|~)?\s*(.+)$/.exec(c);
    if (!m || m[2] === '*') return true;
    const b = parse(m[2]!);
    const d = cmp(v, b);
    const upper = (i: number) => cmp(v, [...b.slice(0, i), b[i]! + 1, 0, 0].slice(0, 3)) < 0;
    switch (m[1]) {
      case '>=': return d >= 0;
      case '>': return d > 0;
      case '<=': return d <= 0;
      case '<': return d < 0;
      case '^': return d >= 0 && upper(b[0] === 0 ? 1 : 0);
      case '~': return d >= 0 && upper(1);
      default: {
        // 20, 20.x, 20.19: a range over what is left out
        const given = m[2]!.split('.').filter((x) => /^\d+$/.test(x)).length;
        return given < 3 ? d >= 0 && upper(given - 1) : d === 0;
      }
    }
  };
  return range.split('||').some((alt) =>
    alt
      .trim()
      .replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1')
      .split(/\s+/)
      .filter((c) => c !== '')
      .every(one),
  );
}

describe('package: the Node promise and the tarball', () => {
  test('every package in package-lock.json runs on the oldest Node package.json promises', () => {
    const oldest = /^>=\s*(\d+(?:\.\d+){0,2})$/.exec(pkg.engines.node)?.[1];
    assert.ok(oldest, `engines.node "${pkg.engines.node}" is not a plain >= range`);
    const min = [...oldest.split('.'), '0', '0'].slice(0, 3).join('.');
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { engines?: { node?: string } | string[] }> };
    const mismatched = Object.entries(lock.packages)
      .flatMap(([path, p]) => (p.engines && !Array.isArray(p.engines) && p.engines.node ? [[path, p.engines.node] as const] : []))
      .filter(([, range]) => !satisfies(min, range))
      .map(([path, range]) => `${path.replace(/^node_modules\//, '')} needs node ${range}`);
    assert.deepEqual(mismatched, [], `package.json promises node ${pkg.engines.node}`);
  });

  test('the range reader: what lock files hold', () => {
    assert.ok(satisfies('20.19.0', '>=18') && satisfies('20.19.0', '^20.19.0 || >=22.12.0') && satisfies('20.19.0', '>= 14.17'));
    assert.ok(!satisfies('20.19.0', '>=22') && !satisfies('20.19.0', '^18.0.0 || ^22') && !satisfies('20.19.0', '>=20.19.1'));
    assert.ok(satisfies('20.19.0', '20.x') && satisfies('20.19.0', '>=16 <21') && !satisfies('20.19.0', '~20.18.0'));
  });

  test('no install script: the build runs when packing, and the tarball carries what runs', async () => {
    for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) assert.equal(pkg.scripts[hook], undefined, hook);
    assert.match(pkg.scripts.prepack ?? '', /npm run build/);
    assert.ok(pkg.files.includes('dist'));
    const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: new URL('../..', import.meta.url) });
    const packed = new Set((JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path));
    for (const file of ['sql/001_schema.sql', 'dialplan/agentgate.conf', 'src/demo/data.yaml', 'sounds/en/agentgate/login-ok.wav', 'deploy/agentgate.service']) {
      assert.ok(packed.has(file), file);
    }
    assert.ok(![...packed].some((f) => f.startsWith('src/') && f.endsWith('.ts')), 'no TypeScript sources');
  });
});

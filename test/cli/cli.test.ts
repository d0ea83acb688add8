import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CONFIG_KEYS } from '../../src/config.js';
import { agentgate } from '../support/cli.js';
import { BASE_YAML } from '../support/paths.js';

const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'agentgate-cli-'));
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('agentgate command line', { concurrency: 3 }, () => {
  test('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const res = await agentgate(['--version']);
    assert.deepEqual([res.code, res.stdout.trim()], [0, version]);
  });

  test('serve --help lists every environment variable', async () => {
    const res = await agentgate(['serve', '--help']);
    assert.equal(res.code, 0);
    for (const key of CONFIG_KEYS) assert.match(res.stdout, new RegExp(`^  ${key} `, 'm'), key);
  });

  test('prompts install says it belongs on the Asterisk host and prints every folder; --dry-run writes nothing', async () => {
    const target = temp();
    const dry = await agentgate(['prompts', 'install', '--dry-run', target]);
    assert.equal(dry.code, 0);
    assert.match(dry.stdout, /must run on the Asterisk host/);
    assert.match(dry.stdout, /would write \d+ prompt files/);
    assert.deepEqual(readdirSync(target), [], 'a dry run writes nothing');
    const real = await agentgate(['prompts', 'install', target]);
    assert.equal(real.code, 0);
    for (const lang of ['pt_BR', 'en']) {
      const folder = join(target, lang, 'agentgate');
      assert.match(real.stdout, new RegExp(`^  ${folder.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/ \\(\\d+ files\\)$`, 'm'));
      assert.ok(existsSync(join(folder, 'login-ok.wav')));
    }
  });

  test('a DATABASE_URL that is not postgres(ql):// is refused at start, without echoing it', async () => {
    const res = await agentgate(['serve'], { DATABASE_URL: 'mysql://root:s3cret@db/agentgate' });
    assert.equal(res.code, 2);
    assert.match(res.stderr, /DATABASE_URL: must start with postgres:\/\/ or postgresql:\/\//);
    assert.doesNotMatch(res.stderr + res.stdout, /s3cret/);
  });

  test('"database opened" is logged only once a connection worked', async () => {
    const res = await agentgate(['serve'], { DATABASE_URL: 'postgres://nobody:s3cret@127.0.0.1:1/agentgate', HTTP_PORT: '0', AGI_PORT: '0' });
    assert.notEqual(res.code, 0);
    assert.doesNotMatch(res.stdout, /database opened/);
    assert.match(res.stdout + res.stderr, /cannot connect to postgres:\/\/nobody@127\.0\.0\.1:1\/agentgate/);
    assert.doesNotMatch(res.stdout + res.stderr, /s3cret/);
  });

  test('provisioning the embedded database while the service holds it says what to do', async () => {
    const dataDir = temp();
    // what a running `agentgate serve` leaves in its data directory: the lock file with its PID
    writeFileSync(join(dataDir, 'agentgate.lock'), String(process.pid));
    const res = await agentgate(['provision', BASE_YAML], { DATA_DIR: dataDir });
    assert.equal(res.code, 1);
    assert.match(res.stderr, new RegExp(`is in use by process ${process.pid} \\(a running agentgate serve or demo\\)`));
    assert.match(res.stderr, /stop the service first, or run the service on a Postgres server \(DATABASE_URL\)/);
  });

  test('provision reads a bad file and names it, before opening any database', async () => {
    const dir = temp();
    const bad = join(dir, 'staff.yaml');
    writeFileSync(bad, 'agents:\n  - { agent: 01005 }\n');
    const res = await agentgate(['provision', bad], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/x' });
    assert.equal(res.code, 2);
    assert.match(res.stderr, /staff\.yaml: agents\[0\] \(agent 1005\), field "agent": 01005 is read by YAML as the number 1005; write it in quotes/);
  });
});

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from '../../src/config.js';
import { DataDirLocked, openDatabase } from '../../src/db/connect.js';
import { migrate } from '../../src/db/migrate.js';
import { freshDatabase } from '../support/db.js';
import { until } from '../support/until.js';

const dirs: string[] = [];
const temp = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

describe('configuration', () => {
  test('defaults are those of CONTRACT §4', () => {
    const c = loadConfig({});
    assert.equal(c.DATABASE_URL, undefined);
    assert.deepEqual([c.DATA_DIR, c.AMI_HOST, c.AMI_PORT, c.AMI_USERNAME, c.AMI_TIMEOUT_MS], ['./data', '127.0.0.1', 5038, 'agentgate', 5000]);
    assert.deepEqual([c.HTTP_HOST, c.HTTP_PORT, c.AGI_HOST, c.AGI_PORT, c.MEMBER_INTERFACE, c.LOG_LEVEL], ['127.0.0.1', 8080, '127.0.0.1', 4573, 'PJSIP/{exten}', 'info']);
    assert.ok(c.API_ALLOW.check('127.0.0.1') && c.API_ALLOW.check('::1', 'ipv6') && !c.API_ALLOW.check('10.0.0.1'));
  });
  test('a bad value stops the start with a message naming the variable', () => {
    assert.throws(() => loadConfig({ HTTP_PORT: 'eighty' }), (e: Error) => e instanceof ConfigError && /HTTP_PORT/.test(e.message));
    assert.throws(() => loadConfig({ API_ALLOW: '10.0.0.0/33' }), (e: Error) => e instanceof ConfigError && /API_ALLOW: "10.0.0.0\/33" has a bad prefix length/.test(e.message));
    assert.throws(() => loadConfig({ MEMBER_INTERFACE: 'PJSIP/2001' }), (e: Error) => /MEMBER_INTERFACE: must contain \{exten\}/.test(e.message));
    assert.throws(() => loadConfig({ LOG_LEVEL: 'loud' }), /LOG_LEVEL/);
  });
  test('DATABASE_URL must be postgres:// or postgresql://; TRUSTED_PROXIES is empty unless set', () => {
    assert.equal(loadConfig({ DATABASE_URL: 'postgresql://u@h/db' }).DATABASE_URL, 'postgresql://u@h/db');
    assert.throws(() => loadConfig({ DATABASE_URL: 'sqlite:///tmp/x.db' }), (e: Error) => e instanceof ConfigError && /DATABASE_URL: must start with postgres/.test(e.message));
    assert.equal(loadConfig({}).TRUSTED_PROXIES.check('127.0.0.1'), false);
    assert.equal(loadConfig({ TRUSTED_PROXIES: '127.0.0.1' }).TRUSTED_PROXIES.check('127.0.0.1'), true);
  });
  test('API_TOKENS splits on commas', () => {
    assert.deepEqual(loadConfig({ API_TOKENS: 'a, b,,c' }).API_TOKENS, ['a', 'b', 'c']);
  });
});

describe('the embedded database', () => {
  test('a second opener of one data directory is refused; the lock goes with the first', async () => {
    const dir = temp('agentgate-lock-');
    const first = await openDatabase({ dataDir: dir });
    await assert.rejects(openDatabase({ dataDir: dir }), (e: Error) => e instanceof DataDirLocked && /in use by process \d+/.test(e.message));
    await migrate(first.knex);
    await first.close();
    const again = await openDatabase({ dataDir: dir });
    assert.deepEqual(await migrate(again.knex), [], 'migrations are kept and not applied twice');
    await again.close();
  });
});

describe('agentgate demo', () => {
  test('starts on the embedded database with the simulated Asterisk, and its curl lines answer; a configured database is never touched', async () => {
    const dir = temp('agentgate-demo-');
    const configured = await freshDatabase(); // what DATABASE_URL exported in the shell points at
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'demo'], {
      env: { ...process.env, DATA_DIR: dir, HTTP_PORT: '0', AGI_PORT: '0', AMI_PORT: '0', DATABASE_URL: configured.url ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise((r) => child.once('exit', r));
    const errors: string[] = [];
    createInterface({ input: child.stderr! }).on('line', (l) => errors.push(l));
    try {
      const out: string[] = [];
      const curl = await new Promise<string>((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`demo exited ${code}: ${out.join('\n')}\n${errors.join('\n')}`)));
        createInterface({ input: child.stdout! }).on('line', (line) => {
          out.push(line);
          const m = /curl '(http:\/\/[^']+command=login[^']+)'$/.exec(line.trim());
          if (m?.[1]) resolve(m[1]);
        });
      });
      assert.ok(out.some((l) => l.includes('agentgate demo: simulated Asterisk')));
      assert.ok(out.some((l) => l.startsWith('agentgate demo: starting on the embedded database')), 'it says so on start');
      if (configured.url) assert.ok(out.some((l) => l.includes('DATABASE_URL is set and ignored')));
      await until(async () => (await fetch(curl.replace(/\/api\/agent\.php.*/, '/readyz'))).status === 200, 'the demo ready');
      assert.deepEqual(await (await fetch(curl)).json(), { success: 'Login OK' });
      const status = await (await fetch(curl.replace('command=login', 'command=status'))).json();
      assert.equal((status as { state: string }).state, 'available');
      // the printed addresses work: the TV's key reads and may change nothing, the panel answers
      const tv = out.map((l) => /as a TV .*: (http:\S+)$/.exec(l)?.[1]).find(Boolean) as string;
      const panel = out.map((l) => /^Agent panel: (http:\S+)/.exec(l)?.[1]).find(Boolean) as string;
      assert.ok(tv && panel, out.join('\n'));
      const exchanged = await fetch(tv, { redirect: 'manual' });
      assert.equal(exchanged.status, 303);
      const key = new URL(tv).searchParams.get('token') as string;
      const asTv = (path: string) => fetch(new URL(path, tv), { headers: { authorization: `Bearer ${key}` } });
      assert.equal((await asTv('/api/agents')).status, 200);
      assert.equal((await asTv(new URL(curl).pathname + new URL(curl).search.replace('command=login', 'command=logoff'))).status, 403);
      assert.equal((await fetch(panel)).status, 200);
    } finally {
      child.kill('SIGINT');
      await exited;
    }
    assert.equal(child.exitCode, 0);
    try {
      for (const table of ['agents', 'queues', 'extensions', 'events']) {
        assert.equal((await configured.knex(table)).length, 0, `the configured database's ${table} are untouched`);
      }
    } finally {
      await configured.drop();
    }
  });

  test('--pbxes 2: two simulated Asterisk servers, the queues and the team spread over them, each shown with its PBX', async () => {
    const dir = temp('agentgate-demo-');
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'demo', '--pbxes', '2'], {
      env: { ...process.env, DATA_DIR: dir, HTTP_PORT: '0', AGI_PORT: '0', AMI_PORT: '0', DATABASE_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise((r) => child.once('exit', r));
    try {
      const out: string[] = [];
      const curl = await new Promise<string>((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`demo exited ${code}: ${out.join('\n')}`)));
        createInterface({ input: child.stdout! }).on('line', (line) => {
          out.push(line);
          const m = /curl '(http:\/\/[^']+command=login[^']+)'$/.exec(line.trim());
          if (m?.[1]) resolve(m[1]);
        });
      });
      assert.ok(out.some((l) => /2 simulated Asterisk servers .*pbx-a on .*queues support, billing.*pbx-b on .*queues sales/.test(l)), out.join('\n'));
      const at = (path: string) => new URL(path, curl).toString();
      await until(async () => (await fetch(at('/readyz'))).status === 200, 'the demo ready');
      assert.deepEqual(((await (await fetch(at('/readyz'))).json()) as { pbxes: unknown }).pbxes, { 'pbx-a': 'up', 'pbx-b': 'up' });
      const queues = ((await (await fetch(at('/api/queues'))).json()) as { queues: Array<{ queue: string; pbx: string }> }).queues;
      assert.deepEqual(queues.map((q) => [q.queue, q.pbx]), [['sales', 'pbx-b'], ['support', 'pbx-a']]);
      // the team logged in on both
      await until(async () => {
        const agents = ((await (await fetch(at('/api/agents?state=available'))).json()) as { agents: Array<{ pbx: string }> }).agents;
        return new Set(agents.map((a) => a.pbx)).size === 2;
      }, 'the team on both PBXs');
      assert.deepEqual(await (await fetch(at('/api/agent.php?command=login&agent=1002&exten=2002&queue=sales'))).json(), { success: 'Login OK' });
      assert.equal(((await (await fetch(at('/api/agent.php?command=status&agent=1002'))).json()) as { pbx: string }).pbx, 'pbx-b');
      // 2003 is pbx-a's: in pbx-b's queue it is a member through pbx-a's remote_interface
      assert.deepEqual(await (await fetch(at('/api/agent.php?command=login&agent=1003&exten=2003&queue=sales'))).json(), { success: 'Login OK' });
    } finally {
      child.kill('SIGINT');
      await exited;
    }
    assert.equal(child.exitCode, 0);
  });
});

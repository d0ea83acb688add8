import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { agentgate } from '../support/cli.js';
import { type Harness, startHarness } from '../support/harness.js';
import { type Served, ready, serve, stopServed } from '../support/service.js';
import { until } from '../support/until.js';

// Keys, the admin token and the AMI secret on the real process: never in a log line, a listing or a
// dump of the database; a revocation reaches two instances within 1 s.
const API_TOKEN = 'tok-admin-6f1c2e9a4b7d';
let h: Harness;
let env: Record<string, string>;
const served: Served[] = [];

before(async () => {
  h = await startHarness();
  // localhost outside API_ALLOW: every request here is decided by its key alone
  env = { DATABASE_URL: h.db.url as string, AMI_PORT: String(h.sim.port), AMI_SECRET: 'test-secret', API_ALLOW: '192.0.2.1/32', API_TOKENS: API_TOKEN, LOG_LEVEL: 'debug' };
});
after(async () => {
  for (const s of served) if (s.child.exitCode === null) await stopServed(s, 'SIGTERM');
  await h.close();
});

async function start(): Promise<Served> {
  const s = await serve(env);
  served.push(s);
  await ready(s.base);
  return s;
}

const get = (s: Served, path: string, key?: string) =>
  fetch(`${s.base}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {}, redirect: 'manual' });

test('a key is printed once, alone on the last line, and appears in no log, listing or database dump', async () => {
  const made = await agentgate(['keys', 'create', '--role', 'supervisor', '--name', 'tv-lead'], env);
  assert.equal(made.code, 0, made.stderr);
  const lines = made.stdout.trimEnd().split('\n');
  const key = lines.pop()!;
  assert.match(key, /^\S{32,}$/);
  assert.ok(![...lines, made.stderr].join('\n').includes(key), 'the key only on its own last line');

  const s = await start();
  // every way a key arrives: a header, token= on a list, token= on the wallboard (exchanged for a cookie), a wrong one
  assert.equal((await get(s, '/api/agents', key)).status, 200);
  assert.equal((await fetch(`${s.base}/api/agents?token=${key}`)).status, 200);
  const wall = await fetch(`${s.base}/wallboard?token=${key}`, { redirect: 'manual' });
  assert.equal(wall.status, 303);
  assert.equal((await get(s, '/api/agent.php?command=status&agent=1001', `${key}x`)).status, 403);
  assert.equal((await get(s, '/api/agent.php?command=status&agent=1001', API_TOKEN)).status, 200);
  const listed = await agentgate(['keys', 'list'], env);
  assert.match(listed.stdout, /tv-lead/);
  await stopServed(s, 'SIGTERM');

  const log = s.logs.join('\n');
  assert.ok(log.length > 0 && s.logs.some((l) => /"level":20/.test(l)), 'the process logged at debug');
  for (const [name, secret] of [['the key', key], ['API_TOKENS', API_TOKEN], ['AMI_SECRET', 'test-secret']] as const) {
    assert.ok(!log.includes(secret), `${name} in the service's log`);
    assert.ok(!listed.stdout.includes(secret) && !listed.stderr.includes(secret), `${name} in keys list`);
  }
  const dump = await promisify(execFile)('pg_dump', ['--data-only', h.db.url as string], { maxBuffer: 64 << 20 });
  assert.match(dump.stdout, /tv-lead/, 'the dump holds the key by its name');
  assert.ok(!dump.stdout.includes(key), 'the dump holds no key text');
});

test('a revoked key is refused by two instances within 1 s of the revocation', async (t) => {
  const made = await agentgate(['keys', 'create', '--role', 'admin', '--name', 'crm-robot'], env);
  const key = made.stdout.trimEnd().split('\n').pop()!;
  const [a, b] = [await start(), await start()];
  for (const s of [a, b]) assert.equal((await get(s, '/api/agents', key)).status, 200, 'in use on both');
  const revoked = await agentgate(['keys', 'revoke', 'crm-robot'], env);
  assert.equal(revoked.code, 0, revoked.stderr);
  const at = performance.now();
  const refusedAfter = await Promise.all(
    [a, b].map(async (s) => {
      await until(async () => (await get(s, '/api/agents', key)).status === 403, 'the key refused', 5000);
      return performance.now() - at;
    }),
  );
  t.diagnostic(`refused after ${refusedAfter.map((ms) => `${Math.round(ms)} ms`).join(' and ')}`);
  for (const ms of refusedAfter) assert.ok(ms < 1000, `refused ${Math.round(ms)} ms after the revocation`);
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createKey, revokeKey } from '../../src/access/keys.js';
import { ROLES, type Role } from '../../src/access/roles.js';
import { accessCheck } from '../../src/access/credentials.js';
import { parseAllowList } from '../../src/config.js';
import { buildHttp } from '../../src/http/app.js';
import { ROUTE_RULES } from '../../src/http/routes.js';
import { type Harness, startHarness } from '../support/harness.js';

// Nobody is inside API_ALLOW here: every caller is what its key says.
const OUTSIDE = '203.0.113.7';
let h: Harness;
let app: ReturnType<typeof buildHttp>;
const registered: Array<{ url: string; method: string }> = [];
const keys = {} as Record<Role, string>;

before(async () => {
  h = await startHarness();
  app = buildHttp({
    ...h.deps,
    access: accessCheck(parseAllowList('192.0.2.0/24'), []),
    readiness: async () => ({ database: true, pbx: true }),
    onRoute: (r) => registered.push(...[r.method].flat().map((m) => ({ url: r.url, method: String(m) }))),
  });
  await app.ready();
  keys.display = await createKey(h.knex, { name: 'm-display', role: 'display' });
  keys.agent = await createKey(h.knex, { name: 'm-agent', role: 'agent', agent: '1001' });
  keys.supervisor = await createKey(h.knex, { name: 'm-supervisor', role: 'supervisor' });
  keys.admin = await createKey(h.knex, { name: 'm-admin', role: 'admin' });
});
after(async () => {
  await app.close();
  await h.close();
});

/** A request each route can answer without side effects beyond a status read. */
const sample: Record<string, string> = {
  '/api/agent.php': '/api/agent.php?command=status&agent=1001',
  '/api/agent': '/api/agent?command=status&agent=1001',
  '/api/reports/pauses': '/api/reports/pauses?from=2026-11-01',
  '/api/reports/breaks': '/api/reports/breaks?from=2026-11-01',
};

describe('every route × every role, from the one access table', () => {
  test('every route the app registers has an entry in the table (a route without one would be refused)', () => {
    for (const r of registered) {
      if (r.method === 'HEAD' && r.url !== '/healthz' && r.url !== '/readyz') continue;
      assert.ok(ROUTE_RULES[r.url], `${r.method} ${r.url} has an entry in ROUTE_RULES`);
      assert.ok(ROUTE_RULES[r.url]?.methods.includes(r.method as 'GET'), `${r.method} ${r.url}: the table lists its method`);
    }
  });

  for (const [url, rule] of Object.entries(ROUTE_RULES)) {
    if (!rule.methods.includes('GET') || rule.credential === 'panel' || url === '/api/events/stream') continue;
    for (const role of ROLES) {
      const allowed = rule.who === 'anyone' || rule.who.includes(role);
      test(`GET ${url} with a ${role} key: ${allowed ? 'allowed' : '403'}`, async () => {
        const res = await app.inject({ method: 'GET', url: sample[url] ?? url, remoteAddress: OUTSIDE, headers: { authorization: `Bearer ${keys[role]}` } });
        if (allowed) assert.notEqual(res.statusCode, 403, `${role} on ${url}: ${res.body.slice(0, 200)}`);
        else assert.equal(res.statusCode, 403, `${role} on ${url}`);
      });
    }
  }

  test('the panel routes take a panel sign-in only: a key, even an admin one, is 401', async () => {
    for (const url of ['/agent/me', '/agent/events']) {
      const res = await app.inject({ method: 'GET', url, remoteAddress: OUTSIDE, headers: { authorization: `Bearer ${keys.admin}` } });
      assert.deepEqual([res.statusCode, res.json()], [401, { error: 'Sign in required' }], url);
    }
  });
});

describe('commands by role', () => {
  const run = (key: string, params: Record<string, string>) =>
    app.inject({ method: 'GET', url: `/api/agent.php?${new URLSearchParams(params)}`, remoteAddress: OUTSIDE, headers: { authorization: `Bearer ${key}` } }).then((r) => [r.statusCode, r.json()]);

  test('a display key may not even read a status', async () => {
    assert.deepEqual(await run(keys.display, { command: 'status', agent: '1001' }), [403, { error: 'Forbidden' }]);
  });
  test("an agent key acts for its own agent (also when it names none) and for no other", async () => {
    assert.equal((await run(keys.agent, { command: 'status' }))[0], 200);
    assert.equal(((await run(keys.agent, { command: 'status' }))[1] as { agent: string }).agent, '1001');
    assert.deepEqual(await run(keys.agent, { command: 'status', agent: '1002' }), [403, { error: 'Forbidden' }]);
  });
  test('a supervisor scoped to a queue acts on agents of that queue only; its pause needs a reason', async () => {
    const scoped = await createKey(h.knex, { name: 'm-sales', role: 'supervisor', queues: ['sales'] });
    // 1001 has support as its default queue (base.yaml), nothing in sales
    assert.deepEqual(await run(scoped, { command: 'status', agent: '1001' }), [403, { error: 'Forbidden' }]);
    assert.deepEqual(await run(scoped, { command: 'login', agent: '1001', exten: '2001', queue: 'support' }), [403, { error: 'Forbidden' }]);
    assert.deepEqual(await run(keys.supervisor, { command: 'login', agent: '1001', exten: '2001', queue: 'support' }), [200, { success: 'Login OK' }]);
    assert.deepEqual(await run(keys.supervisor, { command: 'pause', agent: '1001' }), [400, { error: 'Argument list invalid' }]);
    assert.deepEqual(await run(keys.supervisor, { command: 'pause', agent: '1001', reason: 'Almoco' }), [200, { success: 'Pause OK' }]);
    const pause = await h.knex('events').where({ agent: '1001', kind: 'pause' }).orderBy('id', 'desc').first();
    assert.equal(pause.actor, 'key:m-supervisor', 'the record says who paused whom');
    const status = (await run(keys.admin, { command: 'status', agent: '1001' }))[1] as { actor: string };
    assert.equal(status.actor, 'key:m-supervisor');
    assert.deepEqual(await run(keys.admin, { command: 'logoff', agent: '1001' }), [200, { success: 'Logoff OK' }]);
  });
  test('a revoked key is refused within 1 s; an expired one at once', async () => {
    const k = await createKey(h.knex, { name: 'm-revoked', role: 'admin' });
    assert.equal((await run(k, { command: 'status', agent: '1001' }))[0], 200);
    const revoked = performance.now();
    assert.ok(await revokeKey(h.knex, 'm-revoked'));
    while ((await run(k, { command: 'status', agent: '1001' }))[0] !== 403) await new Promise((r) => setTimeout(r, 20));
    assert.ok(performance.now() - revoked < 1000 + 500, `refused ${Math.round(performance.now() - revoked)} ms after the revocation`);
    const e = await createKey(h.knex, { name: 'm-expired', role: 'admin', expiresDays: 1 });
    await h.knex('api_keys').where({ name: 'm-expired' }).update({ expires_at: h.knex.raw("now() - interval '1 second'") });
    assert.equal((await run(e, { command: 'status', agent: '1001' }))[0], 403);
  });
  test('the database keeps only the hash of a key, never its text', async () => {
    const rows = await h.knex('api_keys').select('*');
    const dump = JSON.stringify(rows);
    for (const key of Object.values(keys)) assert.ok(!dump.includes(key), 'no key text in api_keys');
  });
});

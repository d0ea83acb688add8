import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Harness, startHarness } from '../support/harness.js';

let h: Harness;

before(async () => {
  h = await startHarness();
  // The record as the commands leave it: Maria paused in support; João available in sales; Ana in
  // both, paused in support only; Pedro logged off (he logged off once).
  await h.knex('agent_sessions').insert([
    { agent: '1001', exten: '2001', interface: 'PJSIP/2001', member_name: 'Maria Silva', since: '2026-11-25T10:00:00Z' },
    { agent: '1002', exten: '2002', interface: 'SIP/2002', member_name: 'João Souza', since: '2026-11-25T10:05:00Z' },
    { agent: '1003', exten: '2003', interface: 'Local/2003@from-queue/n', member_name: 'Ana Lima', since: '2026-11-25T10:10:00.123Z' },
  ]);
  await h.knex('session_queues').insert([
    { agent: '1001', queue: 'support', paused: true, reason: 'Almoco', paused_by: 'key:floor-a' },
    { agent: '1002', queue: 'sales', paused: false },
    { agent: '1003', queue: 'support', paused: true, reason: 'Banheiro', paused_by: 'pbx' },
    { agent: '1003', queue: 'sales', paused: false },
  ]);
  await h.knex('events').insert([
    { agent: '1004', exten: '2004', queue: 'support', kind: 'login', source: 'http', at: '2026-11-25T08:00:00Z' },
    { agent: '1004', exten: '2004', queue: 'support', kind: 'logoff', source: 'phone', at: '2026-11-25T09:00:00Z' },
  ]);
});
after(() => h.close());

const get = async (url: string, remoteAddress = '127.0.0.1', headers: Record<string, string> = {}) => {
  const res = await h.http.inject({ method: 'GET', url, remoteAddress, headers });
  return { status: res.statusCode, type: res.headers['content-type'], body: res.json() as Record<string, any> };
};

describe('GET /api/agents', () => {
  test('every provisioned agent, with its derived state', async () => {
    const r = await get('/api/agents');
    assert.equal(r.status, 200);
    assert.equal(r.type, 'application/json; charset=utf-8');
    assert.deepEqual(r.body, {
      agents: [
        { agent: '1001', name: 'Maria Silva', state: 'paused', exten: '2001', pbx: 'default', queues: ['support'], paused_queues: ['support'], reason: 'Almoco', actor: 'key:floor-a', since: '2026-11-25T10:00:00.000Z', default_queues: ['support'], max_minutes: null, overdue: false, call: null },
        { agent: '1002', name: 'João Souza', state: 'available', exten: '2002', pbx: 'default', queues: ['sales'], paused_queues: [], reason: null, actor: null, since: '2026-11-25T10:05:00.000Z', default_queues: [], max_minutes: null, overdue: false, call: null },
        { agent: '1003', name: 'Ana Lima', state: 'available', exten: '2003', pbx: 'default', queues: ['sales', 'support'], paused_queues: ['support'], reason: 'Banheiro', actor: 'pbx', since: '2026-11-25T10:10:00.123Z', default_queues: ['sales', 'support'], max_minutes: null, overdue: false, call: null },
        { agent: '1004', name: 'Pedro Rocha', state: 'logged_off', exten: null, pbx: null, queues: [], paused_queues: [], reason: null, actor: null, since: '2026-11-25T09:00:00.000Z', default_queues: [], max_minutes: null, overdue: false, call: null },
      ],
    });
  });

  test('?state= keeps the agents in that state', async () => {
    const names = async (q: string) => (await get(`/api/agents?${q}`)).body.agents.map((a: { agent: string }) => a.agent);
    assert.deepEqual(await names('state=paused'), ['1001']);
    assert.deepEqual(await names('state=available'), ['1002', '1003']);
    assert.deepEqual(await names('state=logged_off'), ['1004']);
  });

  test('?queue= keeps the agents logged into it, and logged-off agents whose default queue it is', async () => {
    await h.knex('agent_queues').insert({ agent: '1004', queue: 'support' });
    try {
      const names = async (q: string) => (await get(`/api/agents?${q}`)).body.agents.map((a: { agent: string }) => a.agent);
      assert.deepEqual(await names('queue=support'), ['1001', '1003', '1004']);
      assert.deepEqual(await names('queue=sales'), ['1002', '1003']);
      assert.deepEqual(await names('queue=sales&state=available'), ['1002', '1003']);
      assert.deepEqual(await names('queue=support&state=available'), ['1003']);
      assert.deepEqual(await names('queue=nowhere'), []);
    } finally {
      await h.knex('agent_queues').where({ agent: '1004' }).delete();
    }
  });

  test('a name is JSON-quoted; a logoff recorded late with an earlier time leaves since at the last logoff', async () => {
    await h.knex('agents').insert({ login: 'x.9', name: 'Zé "Quote" \\ Tab\there' });
    await h.knex('events').insert({ agent: '1004', exten: '2004', queue: 'support', kind: 'logoff', source: 'http', at: '2026-11-25T08:30:00Z' });
    try {
      const r = await get('/api/agents?state=logged_off');
      assert.deepEqual(
        r.body.agents.map((a: { agent: string; name: string; since: string | null }) => [a.agent, a.name, a.since]),
        [
          ['1004', 'Pedro Rocha', '2026-11-25T09:00:00.000Z'],
          ['x.9', 'Zé "Quote" \\ Tab\there', null],
        ],
      );
    } finally {
      await h.knex('agents').where({ login: 'x.9' }).delete();
    }
  });

  test('a bad filter is 400 Argument list invalid, naming the parameter', async () => {
    for (const q of ['state=busy', 'state=', 'queue=', `queue=${'x'.repeat(257)}`, 'queue=a%0Ab']) {
      const r = await get(`/api/agents?${q}`);
      assert.equal(r.status, 400, q);
      assert.deepEqual(r.body, { error: 'Argument list invalid', detail: q.split('=')[0] }, q);
    }
    // a repeated key keeps its last value, as everywhere in the API
    const twice = await get('/api/agents?state=paused&state=available');
    assert.deepEqual([twice.status, twice.body], [200, await get('/api/agents?state=available').then((r) => r.body)]);
  });
});

describe('GET /api/queues', () => {
  test('each call-center queue with its counts, paused ones by reason', async () => {
    const r = await get('/api/queues');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, {
      queues: [
        { queue: 'sales', pbx: 'default', logged_in: 2, available: 2, paused: 0, paused_by_reason: {}, waiting: 0, longest_wait_s: 0 },
        { queue: 'support', pbx: 'default', logged_in: 2, available: 0, paused: 2, paused_by_reason: { Almoco: 1, Banheiro: 1 }, waiting: 0, longest_wait_s: 0 },
      ],
    });
  });
});

describe('access', () => {
  for (const url of ['/api/agents', '/api/queues']) {
    test(`${url}: 403 Forbidden outside API_ALLOW without a token; a token (query or bearer) is accepted`, async () => {
      assert.deepEqual(await get(url, '10.1.2.3'), { status: 403, type: 'application/json; charset=utf-8', body: { error: 'Forbidden' } });
      assert.equal((await get(`${url}?token=wrong`, '10.1.2.3')).status, 403);
      assert.equal((await get(`${url}?token=tok-123`, '10.1.2.3')).status, 200);
      assert.equal((await get(url, '10.1.2.3', { authorization: 'Bearer tok-123' })).status, 200);
    });
  }

  test('/wallboard: 403 with the page that asks for a token; 200 with one (its cookie)', async () => {
    const outside = await h.http.inject({ method: 'GET', url: '/wallboard', remoteAddress: '10.1.2.3' });
    assert.equal(outside.statusCode, 403);
    assert.equal(outside.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(outside.body, /id="token-form"/);
    assert.equal((await h.http.inject({ method: 'GET', url: '/wallboard?token=tok-123', remoteAddress: '10.1.2.3' })).statusCode, 303, 'exchanged for a cookie');
    assert.equal((await h.http.inject({ method: 'GET', url: '/wallboard', remoteAddress: '10.1.2.3', headers: { cookie: 'agentgate_key=tok-123' } })).statusCode, 200);
    assert.equal((await h.http.inject({ method: 'GET', url: '/wallboard', remoteAddress: '127.0.0.1' })).statusCode, 200);
    // the page's script and style hold no data: they load for the token prompt to work
    const js = await h.http.inject({ method: 'GET', url: '/wallboard/wallboard.js', remoteAddress: '10.1.2.3' });
    assert.equal(js.statusCode, 200);
    assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Harness, changesNothingIn, startHarness } from '../support/harness.js';
import { call } from './call.js';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => h.close());

const JSON_TYPE = 'application/json; charset=utf-8';

async function raw(opts: { method?: 'GET' | 'POST'; url: string; payload?: string | Buffer; type?: string; remoteAddress?: string; headers?: Record<string, string> }) {
  const res = await h.http.inject({
    method: opts.method ?? 'GET',
    url: opts.url,
    payload: opts.payload,
    remoteAddress: opts.remoteAddress ?? '127.0.0.1',
    headers: { ...(opts.type ? { 'content-type': opts.type } : {}), ...opts.headers },
  });
  assert.equal(res.headers['content-type'], JSON_TYPE, `${opts.url}: always JSON`);
  assert.doesNotMatch(res.body, /at .*\.(ts|js):\d+|<html/i, 'never a stack trace or HTML');
  return { status: res.statusCode, body: res.json() as Record<string, unknown> };
}

describe('input of any shape gets a contract answer', () => {
  const cases: Array<[string, Parameters<typeof raw>[0], number, Record<string, unknown>]> = [
    ['a JSON array as agent', { method: 'POST', url: '/api/agent.php', payload: '{"command":"pause","agent":["1001"]}', type: 'application/json' }, 400, { error: 'Argument list invalid' }],
    ['a JSON object as queue', { method: 'POST', url: '/api/agent.php', payload: '{"command":"login","agent":"1001","exten":"2001","queue":{"a":1}}', type: 'application/json' }, 400, { error: 'Argument list invalid' }],
    ['a JSON boolean as command', { method: 'POST', url: '/api/agent.php', payload: '{"command":true,"agent":"1001"}', type: 'application/json' }, 400, { error: 'Argument list invalid' }],
    ['JSON null as agent', { method: 'POST', url: '/api/agent.php', payload: '{"command":"logoff","agent":null}', type: 'application/json' }, 400, { error: 'Agent not specified' }],
    ['a JSON array body', { method: 'POST', url: '/api/agent.php', payload: '["login"]', type: 'application/json' }, 400, { error: 'Command not specified' }],
    ['broken JSON', { method: 'POST', url: '/api/agent.php', payload: '{"command":', type: 'application/json' }, 400, { error: 'Argument list invalid' }],
    ['an unknown content type', { method: 'POST', url: '/api/agent.php', payload: 'command=logoff', type: 'text/csv' }, 415, { error: 'Argument list invalid' }],
    ['a huge value', { url: `/api/agent.php?command=pause&agent=1001&reason=${'x'.repeat(5000)}` }, 400, { error: 'Argument list invalid' }],
    ['a huge body', { method: 'POST', url: '/api/agent.php', payload: `command=pause&agent=1001&reason=${'x'.repeat(100_000)}`, type: 'application/x-www-form-urlencoded' }, 413, { error: 'Argument list invalid' }],
    ['invalid UTF-8 in the query string', { url: '/api/agent.php?command=pause&agent=%FF%FE' }, 400, { error: 'Argument list invalid' }],
    ['invalid UTF-8 in a form body', { method: 'POST', url: '/api/agent.php', payload: Buffer.from([...Buffer.from('command=pause&agent='), 0xff, 0xfe]), type: 'application/x-www-form-urlencoded' }, 400, { error: 'Argument list invalid' }],
    ['a CR/LF in a reason (AMI header injection)', { url: '/api/agent.php?command=pause&agent=1001&reason=lunch%0D%0A%0D%0AAction%3A%20Logoff' }, 400, { error: 'Argument list invalid' }],
    ['a "|" in a reason (it would corrupt queue_log)', { url: '/api/agent.php?command=pause&agent=1001&reason=lunch%7Cbreak' }, 400, { error: 'Argument list invalid' }],
    ['a NUL in the agent', { url: '/api/agent.php?command=status&agent=10%0001' }, 400, { error: 'Argument list invalid' }],
    ['a JSON number as agent works like its digits', { method: 'POST', url: '/api/agent.php', payload: '{"command":"status","agent":1004}', type: 'application/json' }, 200, { success: 'Status OK', agent: '1004', state: 'logged_off', exten: null, pbx: null, queues: [], paused_queues: [], reason: null, actor: null, since: null, call: null }],
    ['an unknown path', { url: '/api/nothing' }, 404, { error: 'Not found' }],
  ];
  for (const [what, req, status, body] of cases) {
    test(`${what} answers ${status} ${JSON.stringify(body).slice(0, 60)}`, async () => {
      const res = await changesNothingIn(h, () => raw(req));
      assert.equal(res.status, status);
      assert.deepEqual(res.body, body);
    });
  }

  test('a repeated key keeps its last value, as PHP reads it, in the query string, a form, multipart and JSON alike', async () => {
    const expect = { status: 200, body: { success: 'Status OK', agent: '1004', state: 'logged_off', exten: null, pbx: null, queues: [], paused_queues: [], reason: null, actor: null, since: null, call: null } };
    assert.deepEqual(await raw({ url: '/api/agent.php?command=logoff&command=status&agent=9999&agent=1004' }), expect);
    assert.deepEqual(await raw({ method: 'POST', url: '/api/agent.php', payload: 'command=logoff&command=status&agent=9999&agent=1004', type: 'application/x-www-form-urlencoded' }), expect);
    assert.deepEqual(await raw({ method: 'POST', url: '/api/agent.php', payload: '{"command":"logoff","command":"status","agent":"9999","agent":"1004"}', type: 'application/json' }), expect);
    const form = new FormData();
    for (const [k, v] of [['command', 'logoff'], ['agent', '9999'], ['command', 'status'], ['agent', '1004']]) form.append(k!, v!);
    const body = new Response(form);
    const payload = Buffer.from(await body.arrayBuffer());
    assert.deepEqual(await raw({ method: 'POST', url: '/api/agent.php', payload, type: body.headers.get('content-type')! }), expect);
  });

  test('query string and body together: body fields win, as PHP $_REQUEST', async () => {
    const res = await raw({ method: 'POST', url: '/api/agent.php?command=logoff&agent=9999', payload: 'command=status&agent=1004', type: 'application/x-www-form-urlencoded' });
    assert.deepEqual([res.status, res.body.success, res.body.agent], [200, 'Status OK', '1004']);
  });

  test('a JSON content type with an empty body: the query string counts', async () => {
    const res = await raw({ method: 'POST', url: '/api/agent.php?command=status&agent=1004', payload: '', type: 'application/json' });
    assert.deepEqual([res.status, res.body.success], [200, 'Status OK']);
  });

  test('JSON prototype poisoning is refused', async () => {
    const res = await raw({ method: 'POST', url: '/api/agent.php', payload: '{"__proto__":{"command":"logoff"},"agent":"1004"}', type: 'application/json' });
    assert.deepEqual(res, { status: 400, body: { error: 'Argument list invalid' } });
  });

  test('/api/agent is an alias of /api/agent.php', async () => {
    const res = await call(h.http, 'GET', { command: 'status', agent: '1004' }, { url: '/api/agent' });
    assert.equal(res.body.success, 'Status OK');
  });
});

describe('access control (API_ALLOW, API_TOKENS)', () => {
  test('a caller outside API_ALLOW without a token gets 403 Forbidden and nothing runs', async () => {
    const res = await call(h.http, 'GET', { command: 'login', agent: '1004', exten: '2004', queue: 'support' }, { remoteAddress: '10.1.2.3' });
    assert.deepEqual([res.status, res.body], [403, { error: 'Forbidden' }]);
    assert.equal(res.type, JSON_TYPE);
    assert.equal(h.sim.actionsOf('QueueAdd').length, 0);
  });
  test('a wrong token is refused', async () => {
    const res = await call(h.http, 'GET', { command: 'status', agent: '1004', token: 'nope' }, { remoteAddress: '10.1.2.3' });
    assert.equal(res.status, 403);
  });
  test('a bearer token lets an outside caller in', async () => {
    const res = await call(h.http, 'POST json', { command: 'status', agent: '1004' }, { remoteAddress: '10.1.2.3', headers: { authorization: 'Bearer tok-123' } });
    assert.deepEqual([res.status, res.body.success], [200, 'Status OK']);
  });
  test('token= in the query string lets an outside caller in, with any method and body', async () => {
    const res = await call(h.http, 'POST form', { command: 'status', agent: '1004' }, { remoteAddress: '10.1.2.3', url: '/api/agent.php?token=tok-123' });
    assert.deepEqual([res.status, res.body.success], [200, 'Status OK']);
    const get = await call(h.http, 'GET', { command: 'status', agent: '1004', token: 'tok-123' }, { remoteAddress: '10.1.2.3' });
    assert.deepEqual([get.status, get.body.success], [200, 'Status OK']);
  });
  test('token= in a body does not count: access is decided before the body is read', async () => {
    for (const mode of ['POST form', 'POST json'] as const) {
      const res = await call(h.http, mode, { command: 'status', agent: '1004', token: 'tok-123' }, { remoteAddress: '10.1.2.3' });
      assert.deepEqual([res.status, res.body], [403, { error: 'Forbidden' }], mode);
    }
  });
  test('an IPv4-mapped IPv6 loopback address is inside the default allow list', async () => {
    const res = await call(h.http, 'GET', { command: 'status', agent: '1004' }, { remoteAddress: '::ffff:127.0.0.1' });
    assert.equal(res.status, 200);
  });
});

describe('health', () => {
  test('/healthz answers 200 while the process runs', async () => {
    assert.deepEqual(await raw({ url: '/healthz' }), { status: 200, body: { success: 'OK', status: 'ok' } });
  });
  test('/readyz answers 200 with both parts up', async () => {
    const res = await raw({ url: '/readyz' });
    assert.equal(res.status, 200);
    assert.deepEqual([res.body.database, res.body.pbx], ['up', 'up']);
  });
});

import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { parseAllowList } from '../../src/config.js';
import { accessCheck } from '../../src/access/credentials.js';
import { buildHttp } from '../../src/http/app.js';
import { type Harness, changesNothingIn, startHarness } from '../support/harness.js';
import { rawHttp } from '../support/raw-http.js';
import { call } from './call.js';

let h: Harness;
let port: number;
before(async () => {
  h = await startHarness();
  await h.http.listen({ host: '127.0.0.1', port: 0 });
  port = (h.http.server.address() as AddressInfo).port;
});
after(async () => h.close());

const JSON_TYPE = 'application/json; charset=utf-8';
const OUTSIDE = '10.1.2.3';
const FORBIDDEN = { status: 403, body: { error: 'Forbidden' } };

async function inject(opts: { method?: string; url: string; payload?: string | Buffer; type?: string; remoteAddress?: string; headers?: Record<string, string>; app?: typeof h.http }) {
  const res = await (opts.app ?? h.http).inject({
    method: (opts.method ?? 'GET') as 'GET',
    url: opts.url,
    payload: opts.payload,
    remoteAddress: opts.remoteAddress ?? '127.0.0.1',
    headers: { ...(opts.type ? { 'content-type': opts.type } : {}), ...opts.headers },
  });
  assert.equal(res.headers['content-type'], JSON_TYPE);
  return { status: res.statusCode, body: res.body === '' ? undefined : (res.json() as Record<string, unknown>), headers: res.headers };
}
const status = (agent: string, extra: Partial<Parameters<typeof inject>[0]> = {}) => inject({ url: `/api/agent.php?command=status&agent=${agent}`, ...extra });

describe('order of checks: a caller outside API_ALLOW without a token hears 403 and nothing else', () => {
  const cases: Array<[string, Parameters<typeof inject>[0]]> = [
    ['a command', { url: '/api/agent.php?command=logoff&agent=1001' }],
    ['broken JSON', { method: 'POST', url: '/api/agent.php', payload: '{"command":', type: 'application/json' }],
    ['an unknown content type', { method: 'POST', url: '/api/agent.php', payload: 'x', type: 'text/csv' }],
    ['a body over the limit', { method: 'POST', url: '/api/agent.php', payload: 'x'.repeat(100_000), type: 'application/x-www-form-urlencoded' }],
    ['a bad multipart body', { method: 'POST', url: '/api/agent.php', payload: 'garbage', type: 'multipart/form-data; boundary=zz' }],
    ['an unknown route', { url: '/nothing/here' }],
    ['a wrong method', { method: 'DELETE', url: '/api/agent.php' }],
    ['HEAD', { method: 'HEAD', url: '/api/agent.php?command=logoff&agent=1001' }],
    ['a bad URL', { url: '/api/agent.php%' }],
  ];
  for (const [what, req] of cases) {
    test(`${what}: 403`, async () => {
      const res = await changesNothingIn(h, () => inject({ ...req, remoteAddress: OUTSIDE }));
      assert.equal(res.status, 403);
      if (req.method !== 'HEAD') assert.deepEqual(res.body, FORBIDDEN.body);
    });
  }

  test('the 403 comes before the body is read: a body announced and never sent still gets it', async () => {
    // 127.0.0.2 is loopback but outside the harness's API_ALLOW (127.0.0.1/32)
    const head = 'POST /api/agent.php HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{"comm';
    const [answer, ...more] = await rawHttp(port, head, { localAddress: '127.0.0.2', keepOpen: true, firstAnswer: true });
    assert.equal(more.length, 0);
    assert.deepEqual([answer?.status, answer && JSON.parse(answer.body)], [403, FORBIDDEN.body]);
  });

  test('malformed HTTP and CONNECT from outside: 403 as well', async () => {
    const [bad] = await rawHttp(port, 'NOT HTTP AT ALL\r\n\r\n', { localAddress: '127.0.0.2' });
    assert.deepEqual([bad?.status, bad?.body], [403, '{"error":"Forbidden"}']);
    const [connect] = await rawHttp(port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n', { localAddress: '127.0.0.2' });
    assert.deepEqual([connect?.status, connect?.body], [403, '{"error":"Forbidden"}']);
  });
});

describe('tokens: decided from the headers and the query string', () => {
  test('a wrong Bearer next to a valid token= is refused: a wrong credential is never rescued', async () => {
    assert.deepEqual(await status('1004', { remoteAddress: OUTSIDE, url: '/api/agent.php?command=status&agent=1004&token=tok-123', headers: { authorization: 'Bearer wrong' } }).then((r) => [r.status, r.body]), [403, FORBIDDEN.body]);
    assert.deepEqual(await status('1004', { remoteAddress: OUTSIDE, url: '/api/agent.php?command=status&agent=1004&token=wrong', headers: { authorization: 'Bearer tok-123' } }).then((r) => r.status), 403);
    assert.deepEqual(await status('1004', { remoteAddress: OUTSIDE, url: '/api/agent.php?command=status&agent=1004&token=tok-123', headers: { authorization: 'Basic dG9rLTEyMw==' } }).then((r) => r.status), 403);
    assert.deepEqual(await status('1004', { remoteAddress: OUTSIDE, url: '/api/agent.php?command=status&agent=1004&token=tok-123', headers: { authorization: 'Bearer tok-123' } }).then((r) => r.status), 200);
  });
  test('inside API_ALLOW a key presented is still checked: a wrong one is refused, none needed', async () => {
    assert.equal((await status('1004', { headers: { authorization: 'Bearer wrong' } })).status, 403);
    assert.equal((await status('1004')).status, 200);
  });
});

describe('X-Forwarded-For and TRUSTED_PROXIES', () => {
  test('without TRUSTED_PROXIES, X-Forwarded-For is ignored: it neither lets an outsider in nor shuts an insider out', async () => {
    assert.equal((await status('1004', { remoteAddress: OUTSIDE, headers: { 'x-forwarded-for': '127.0.0.1' } })).status, 403);
    assert.equal((await status('1004', { headers: { 'x-forwarded-for': OUTSIDE } })).status, 200);
  });

  test('behind a trusted proxy the caller is the right-most address the proxies do not own', async () => {
    // nginx on 127.0.0.1 and a balancer in 10/8 in front of it; the desks are 192.0.2.0/24
    const app = buildHttp({
      ...h.deps,
      access: accessCheck(parseAllowList('192.0.2.0/24'), []),
      trustedProxies: parseAllowList('127.0.0.1/32,10.0.0.0/8'),
      readiness: async () => ({ database: true, pbx: true }),
    });
    try {
      const via = (xff: string | undefined, remoteAddress = '127.0.0.1') =>
        status('1004', { app, remoteAddress, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }).then((r) => r.status);
      assert.equal(await via('192.0.2.7'), 200, 'a desk through nginx');
      assert.equal(await via('192.0.2.7, 10.0.0.5'), 200, 'a desk through the balancer and nginx');
      assert.equal(await via('192.0.2.7, 203.0.113.9'), 403, 'a stranger who wrote a desk address in its own X-Forwarded-For');
      assert.equal(await via(undefined), 403, 'the proxy itself is not a desk');
      assert.equal(await via('not an address'), 403);
      assert.equal(await via('192.0.2.7', OUTSIDE.replace('10.', '172.')), 403, 'X-Forwarded-For from a peer that is not a proxy is not read');
    } finally {
      await app.close();
    }
  });
});

describe('/healthz and /readyz', () => {
  test('/readyz says up or down to anyone, and the detail only to callers the API lets in', async () => {
    const outside = await inject({ url: '/readyz', remoteAddress: OUTSIDE });
    assert.deepEqual([outside.status, outside.body], [200, { success: 'Ready', status: 'ready' }]);
    const inside = await inject({ url: '/readyz' });
    assert.deepEqual([inside.status, inside.body?.success, inside.body?.database, inside.body?.pbx], [200, 'Ready', 'up', 'up']);
    const token = await inject({ url: '/readyz', remoteAddress: OUTSIDE, headers: { authorization: 'Bearer tok-123' } });
    assert.equal(token.body?.database, 'up');
  });
  test('/healthz answers anyone; HEAD on both answers without a body', async () => {
    assert.deepEqual(await inject({ url: '/healthz', remoteAddress: OUTSIDE }).then((r) => [r.status, r.body]), [200, { success: 'OK', status: 'ok' }]);
    // over the wire, as a client sees it (inject's HEAD handling varies with its version)
    for (const url of ['/healthz', '/readyz']) {
      const [head, ...more] = await rawHttp(port, `HEAD ${url} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, { head: true });
      assert.deepEqual([head?.status, head?.body, more.length], [200, '', 0], url);
    }
  });
});

describe('methods', () => {
  test('HEAD never runs a command: 405, the agent stays logged in', async () => {
    assert.deepEqual((await call(h.http, 'GET', { command: 'login', agent: '1004', exten: '2004', queue: 'support' })).body, { success: 'Login OK' });
    const res = await changesNothingIn(h, () => inject({ method: 'HEAD', url: '/api/agent.php?command=logoff&agent=1004' }));
    assert.deepEqual([res.status, res.headers.allow], [405, 'GET, POST']);
    assert.equal((await status('1004')).body?.state, 'available');
    assert.deepEqual((await call(h.http, 'GET', { command: 'logoff', agent: '1004' })).body, { success: 'Logoff OK' });
  });
  for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
    test(`${method} /api/agent.php answers 405 Method not allowed`, async () => {
      const res = await changesNothingIn(h, () => inject({ method, url: '/api/agent.php?command=logoff&agent=1001' }));
      assert.deepEqual([res.status, res.body, res.headers.allow], [405, { error: 'Method not allowed' }, 'GET, POST']);
    });
  }
  test('POST /healthz answers 405 with Allow: GET, HEAD; an unknown path 404', async () => {
    const res = await inject({ method: 'POST', url: '/healthz' });
    assert.deepEqual([res.status, res.body, res.headers.allow], [405, { error: 'Method not allowed' }, 'GET, HEAD']);
    assert.deepEqual(await inject({ url: '/api/agents.php' }).then((r) => [r.status, r.body]), [404, { error: 'Not found' }]);
  });
  test('CONNECT answers 405 too', async () => {
    const [res] = await rawHttp(port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n');
    assert.deepEqual([res?.status, res?.body], [405, '{"error":"Method not allowed"}']);
  });
});

describe('multipart/form-data bodies are read like forms', () => {
  const multipart = async (fields: Array<[string, string | Blob, string?]>) => {
    const form = new FormData();
    for (const [k, v, name] of fields) {
      if (typeof v === 'string') form.append(k, v);
      else form.append(k, v, name);
    }
    const r = new Response(form);
    return inject({ method: 'POST', url: '/api/agent.php', payload: Buffer.from(await r.arrayBuffer()), type: r.headers.get('content-type')! });
  };

  test('curl -F command=login -F agent=… logs in', async () => {
    const res = await multipart([['command', 'login'], ['agent', '1004'], ['exten', '2004'], ['queue', 'support']]);
    assert.deepEqual([res.status, res.body], [200, { success: 'Login OK' }]);
    assert.equal(h.sim.actionsOf('QueueAdd').at(-1)?.Interface, 'PJSIP/2004');
    assert.deepEqual((await multipart([['command', 'logoff'], ['agent', '1004']])).body, { success: 'Logoff OK' });
  });
  test('a file part, a value over 8 KiB or more than 32 parts is refused whole: 413', async () => {
    const file = await changesNothingIn(h, () => multipart([['command', 'logoff'], ['agent', '1001'], ['upload', new Blob(['x']), 'a.txt']]));
    assert.deepEqual([file.status, file.body], [413, { error: 'Argument list invalid' }]);
    const long = await changesNothingIn(h, () => multipart([['command', 'logoff'], ['agent', '1001'], ['reason', 'x'.repeat(9000)]]));
    assert.equal(long.status, 413);
    const many = await changesNothingIn(h, () => multipart([['command', 'logoff'], ['agent', '1001'], ...Array.from({ length: 40 }, (_, i): [string, string] => [`f${i}`, 'x'])]));
    assert.equal(many.status, 413);
  });
  test('a body that is not multipart at all: 400 Argument list invalid', async () => {
    const res = await inject({ method: 'POST', url: '/api/agent.php', payload: 'garbage', type: 'multipart/form-data; boundary=zz' });
    assert.deepEqual([res.status, res.body], [400, { error: 'Argument list invalid' }]);
  });
});

describe('what Node and the router answer by themselves is in the same shape', () => {
  test('malformed HTTP: 400 Bad request', async () => {
    const [res] = await rawHttp(port, 'NOT HTTP AT ALL\r\n\r\n');
    assert.deepEqual([res?.status, res?.headers['content-type'], res?.body], [400, JSON_TYPE, '{"error":"Bad request"}']);
  });
  test('headers over the limit: 431 Request header fields too large', async () => {
    const [res] = await rawHttp(port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'y'.repeat(20_000)}\r\n\r\n`);
    assert.deepEqual([res?.status, res?.body], [431, '{"error":"Request header fields too large"}']);
  });
  test('a URL the router cannot decode: 400 Bad request', async () => {
    const res = await inject({ url: '/api/agent.php%' });
    assert.deepEqual([res.status, res.body], [400, { error: 'Bad request' }]);
  });
});

import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { type Harness, startHarness } from '../support/harness.js';
import { type Random, fuzzValue, inContract, random } from '../support/fuzz.js';
import { type RawAnswer, rawHttp } from '../support/raw-http.js';

let h: Harness;
let port: number;
before(async () => {
  h = await startHarness();
  await h.http.listen({ host: '127.0.0.1', port: 0 });
  port = (h.http.server.address() as AddressInfo).port;
});
after(async () => h.close());

const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 2500);
const PARALLEL = 16;
const SEED = Number(process.env.FUZZ_SEED ?? 20261125);

const PARAMS = ['command', 'agent', 'exten', 'queue', 'reason', 'token', '__proto__', 'agent[]', ''];

function query(r: Random): string {
  const n = r.int(6);
  const parts = Array.from({ length: n }, () => `${r.pick(PARAMS)}=${fuzzValue(r)}`);
  if (r.chance(0.1)) parts.push(r.bytes(r.int(8)).toString('latin1'));
  return parts.join(r.chance(0.9) ? '&' : ';');
}

function body(r: Random): { type: string | undefined; bytes: Buffer } {
  const fields = Array.from({ length: r.int(5) }, () => [r.pick(PARAMS), fuzzValue(r)] as const);
  const boundary = 'b0undary';
  return r.pick([
    () => ({ type: 'application/x-www-form-urlencoded', bytes: Buffer.from(fields.map(([k, v]) => `${k}=${v}`).join('&')) }),
    () => ({ type: 'application/json', bytes: Buffer.from(JSON.stringify(Object.fromEntries(fields))) }),
    () => ({ type: 'application/json', bytes: Buffer.from(r.pick(['{"command":', '[1,2', 'null', '"x"', '{"__proto__":{"a":1}}', '{"agent":{"$gt":""}}', ''])) }),
    () => ({
      type: `multipart/form-data; boundary=${boundary}`,
      bytes: Buffer.from(
        fields.map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"${r.chance(0.1) ? '; filename="f.txt"' : ''}\r\n\r\n${v}\r\n`).join('') +
          (r.chance(0.8) ? `--${boundary}--\r\n` : ''),
      ),
    }),
    () => ({ type: r.pick(['multipart/form-data', 'text/plain', 'application/xml', '', 'application/json; charset=latin1', ';;;']), bytes: r.bytes(r.int(200)) }),
    () => ({ type: undefined, bytes: r.bytes(r.int(64)) }),
  ])();
}

/** One request, well-formed or broken at any level: request line, headers, framing, body. */
function request(r: Random): { bytes: Buffer; head: boolean; token: boolean } {
  const method = r.pick(['GET', 'GET', 'POST', 'POST', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'PROPFIND', 'FOO', 'get', '', 'G ET']);
  const path = r.pick(['/api/agent.php', '/api/agent.php', '/api/agent', '/healthz', '/readyz', '/', '/api/agent.php/', '/%', '/api/agent.php%zz', '*', 'http://x/api/agent.php', '/api/../healthz', `/${'a'.repeat(r.pick([10, 3000]))}`]);
  const q = r.chance(0.7) ? `?${query(r)}` : '';
  const version = r.pick(['HTTP/1.1', 'HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/9.9', '', 'HTTP/1.1 x']);
  const eol = r.pick(['\r\n', '\r\n', '\r\n', '\n', '\r']);
  const b = method === 'GET' && r.chance(0.7) ? { type: undefined, bytes: Buffer.alloc(0) } : body(r);
  const headers: string[] = [];
  if (r.chance(0.95)) headers.push(`Host: ${r.pick(['x', '127.0.0.1', '', 'a b'])}`);
  if (b.type !== undefined) headers.push(`Content-Type: ${b.type}`);
  const framing = r.pick(['length', 'length', 'length', 'wrong-length', 'chunked', 'both', 'none', 'bad-length']);
  let payload = b.bytes;
  if (framing === 'length') headers.push(`Content-Length: ${payload.length}`);
  if (framing === 'wrong-length') headers.push(`Content-Length: ${payload.length + r.pick([-1, 1, 100])}`);
  if (framing === 'bad-length') headers.push(`Content-Length: ${r.pick(['-1', 'abc', '1, 2', '99999999999999999999'])}`);
  if (framing === 'chunked' || framing === 'both') {
    headers.push('Transfer-Encoding: chunked');
    if (framing === 'both') headers.push(`Content-Length: ${payload.length}`);
    payload = Buffer.concat([Buffer.from(`${r.chance(0.9) ? payload.length.toString(16) : 'zz'}\r\n`), payload, Buffer.from(r.chance(0.9) ? '\r\n0\r\n\r\n' : '\r\n')]);
  }
  const authorization = r.chance(0.2) ? r.pick(['Bearer tok-123', 'Bearer nope', 'Basic xx', 'Bearer', '']) : undefined;
  if (authorization !== undefined) headers.push(`Authorization: ${authorization}`);
  if (r.chance(0.2)) headers.push(`X-Forwarded-For: ${r.pick(['127.0.0.1', '10.0.0.1', 'junk', '127.0.0.1, 10.0.0.1'])}`);
  if (r.chance(0.05)) headers.push(`X-Big: ${'z'.repeat(20_000)}`);
  if (r.chance(0.05)) headers.push(r.pick(['no colon here', ' leading-space: x', 'Bad Name: x', 'X-Ctl: a\u0001b', 'X-Fold: a', ' folded']));
  if (r.chance(0.05)) headers.push(r.pick(['Connection: upgrade', 'Upgrade: websocket', 'Expect: 100-continue', 'Content-Encoding: gzip']));
  if (r.chance(0.3)) headers.push('Connection: close');
  let text = Buffer.concat([Buffer.from(`${method} ${path}${q} ${version}`.replace(/ $/, '') + eol + headers.join(eol) + eol + eol, 'latin1'), payload]);
  if (r.chance(0.05)) text = text.subarray(0, r.int(text.length)); // cut short anywhere
  if (r.chance(0.03)) text = r.bytes(r.int(300)); // not HTTP at all
  if (r.chance(0.05)) text = Buffer.concat([text, text]); // pipelined twice
  return { bytes: text, head: method === 'HEAD', token: authorization === 'Bearer tok-123' };
}

/** What every answer must be: JSON, in the contract's shape, with a message of the contract. */
function check(a: RawAnswer, outsider: boolean, what: string): void {
  if (a.status === 100) return; // `Expect: 100-continue`: an interim line, not an answer
  assert.equal(a.headers['content-type'], 'application/json; charset=utf-8', what);
  assert.ok(a.headers['content-length'] !== undefined, `${what}: framed by Content-Length`);
  if (a.body === '') return; // HEAD
  const body = JSON.parse(a.body) as Record<string, unknown>;
  const keys = ['error', 'success'].filter((k) => k in body);
  assert.equal(keys.length, 1, `${what}: one of error / success: ${a.body}`);
  assert.ok(inContract(body[keys[0]!]), `${what}: a message of the contract: ${a.body}`);
  if (outsider) {
    const allowed = ['Forbidden', 'OK', 'Ready', 'Not ready'];
    assert.ok(allowed.includes(String(body[keys[0]!])), `${what}: an outsider hears 403 or up/down only: ${a.body}`);
    assert.ok(!('database' in body), `${what}: no readiness detail for an outsider`);
  }
  assert.doesNotMatch(a.body, /statusCode|stack|at .*\.[jt]s:\d+|<html/i, what);
}

test(`${REQUESTS} malformed or hostile HTTP requests over TCP: every answer is inside the contract`, async () => {
  let next = 0;
  let answered = 0;
  const silent: string[] = [];
  const worker = async () => {
    while (next < REQUESTS) {
      const i = next++;
      const r = random(SEED + i);
      const outsider = r.chance(0.3);
      const { bytes, head, token } = request(r);
      const what = `seed ${SEED + i} (${JSON.stringify(bytes.subarray(0, 120).toString('latin1'))})`;
      const answers = await rawHttp(port, bytes, { localAddress: outsider ? '127.0.0.2' : '127.0.0.1', head }).catch((err: Error) => {
        throw new Error(`${what}: ${err.message}`);
      });
      if (answers.length === 0) silent.push(what);
      for (const a of answers) check(a, outsider && !token, `${what} → ${a.status} ${JSON.stringify(a.headers)} ${a.body.slice(0, 200)}`);
      answered += answers.length;
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  assert.ok(answered >= REQUESTS * 0.9, `most requests get an answer (${answered})`);
  // Node closes without a word only on an empty connection: nothing was sent, so nothing is owed
  for (const s of silent) assert.match(s, /\(""\)$/, `closed without an answer: ${s}`);
});

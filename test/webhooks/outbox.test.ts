import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import knexFactory from 'knex';
import { parseAllowList } from '../../src/config.js';
import { accessCheck } from '../../src/access/credentials.js';
import { buildHttp } from '../../src/http/app.js';
import { Metrics } from '../../src/metrics.js';
import { ProvisionError, applyProvision, readProvisionFile } from '../../src/provision/apply.js';
import { fileSchema } from '../../src/provision/schema.js';
import { type Harness, startHarness } from '../support/harness.js';
import { BASE_YAML } from '../support/paths.js';
import { parsePrometheus } from '../support/prometheus.js';
import { scratchFolder } from '../support/scratch.js';

// The outbox: webhooks provisioned into Postgres, and a delivery row written with every event a
// webhook wants, by the statement that writes the event.

let h: Harness;
const scratch = scratchFolder('hooks');
const dir = scratch.dir;
const file = scratch.file;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
  scratch.remove();
});

const SECRET = 'whsec-outbox-7f3a9c';
/** The base file with these webhooks. */
const hooks = (webhooks: unknown[], prune = false) =>
  applyProvision(h.knex, { ...readProvisionFile(BASE_YAML), webhooks: fileSchema.parse({ webhooks }).webhooks }, { prune, path: 'hooks.yaml' });
const command = async (params: Record<string, string>) =>
  (await h.http.inject({ method: 'GET', url: `/api/agent.php?${new URLSearchParams(params)}`, remoteAddress: '127.0.0.1' })).json();
const deliveries = () =>
  h.knex('webhook_deliveries as d').join('webhooks as w', 'w.id', 'd.webhook').join('events as e', 'e.id', 'd.event')
    .select('w.url', 'e.kind', 'd.agent', 'd.queues', 'd.status', 'd.idempotency_key', 'd.event').orderBy('d.id');

describe('provisioning webhooks', () => {
  test('a webhook is stored as the file says; the same file again changes nothing; a new secret or events list updates it', async () => {
    const first = await hooks([{ url: 'https://crm.example/hook', events: ['pause', 'login', 'pause'], secret: SECRET }]);
    assert.deepEqual(first.webhooks, { created: 1, updated: 0, unchanged: 0, removed: 0 });
    const row = await h.knex('webhooks').first();
    assert.deepEqual([row.url, row.events, row.secret], ['https://crm.example/hook', ['login', 'pause'], SECRET]);
    assert.deepEqual((await hooks([{ url: 'https://crm.example/hook', events: ['login', 'pause'], secret: SECRET }])).webhooks.unchanged, 1);
    assert.deepEqual((await hooks([{ url: 'https://crm.example/hook', events: ['login', 'pause'], secret: 'another' }])).webhooks.updated, 1);
    assert.deepEqual((await hooks([{ url: 'https://crm.example/hook', events: ['logoff'], secret: 'another' }])).webhooks.updated, 1);
    assert.deepEqual((await h.knex('webhooks').first()).events, ['logoff']);
  });

  test('--prune removes a webhook the file no longer lists, with its deliveries', async () => {
    await hooks([{ url: 'https://crm.example/hook', events: ['login'], secret: SECRET }, { url: 'http://10.0.0.9:8000/in', events: ['login'], secret: SECRET }]);
    await h.knex('events').insert({ agent: '1004', kind: 'login', queue: 'support', source: 'http' });
    assert.equal((await deliveries()).length, 2);
    const report = await hooks([{ url: 'http://10.0.0.9:8000/in', events: ['login'], secret: SECRET }], true);
    assert.equal(report.webhooks.removed, 1);
    assert.deepEqual((await deliveries()).map((d) => d.url), ['http://10.0.0.9:8000/in']);
    await hooks([], true);
    assert.equal((await deliveries()).length, 0);
  });

  const bad: Array<[string, string, RegExp]> = [
    ['a URL that is not http(s)', 'webhooks:\n  - { url: "ftp://crm.example/x", events: [login], secret: S3CR3T-value }\n', /webhooks\[0\] \(url "ftp:\/\/crm.example\/x"\), field "url": must be an http:\/\/ or https:\/\/ URL/],
    ['a URL that is no URL', 'webhooks:\n  - { url: "crm.example/x", events: [login], secret: S3CR3T-value }\n', /webhooks\[0\] \(url "crm.example\/x"\), field "url": must be an http/],
    ['a URL with a password in it', 'webhooks:\n  - { url: "https://me:pw@crm.example/x", events: [login], secret: S3CR3T-value }\n', /field "url": must not carry a user or password/],
    ['an unknown event', 'webhooks:\n  - { url: "https://crm.example/x", events: [login, lunch], secret: S3CR3T-value }\n', /webhooks\[0\] \(url "https:\/\/crm.example\/x"\), field "events.1": .*pause_overdue/],
    ['no events', 'webhooks:\n  - { url: "https://crm.example/x", events: [], secret: S3CR3T-value }\n', /field "events": must list at least one of login, logoff, pause, unpause, pause_overdue/],
    ['an empty secret', 'webhooks:\n  - { url: "https://crm.example/x", events: [login], secret: "  " }\n', /webhooks\[0\] \(url "https:\/\/crm.example\/x"\), field "secret": secret must not be empty$/],
    ['no secret', 'webhooks:\n  - { url: "https://crm.example/x", events: [login] }\n', /field "secret": secret must be a text/],
    ['a secret YAML reads as a number', 'webhooks:\n  - { url: "https://crm.example/x", events: [login], secret: 734129 }\n', /field "secret": secret must be a text \(quote it\)$/],
    ['the same URL twice', 'webhooks:\n  - { url: "https://crm.example/x", events: [login], secret: S3CR3T-value }\n  - { url: "https://crm.example/x", events: [pause], secret: S3CR3T-value }\n', /webhooks\[1\]: url "https:\/\/crm.example\/x" is already used by webhooks\[0\]/],
    ['an unknown field', 'webhooks:\n  - { url: "https://crm.example/x", events: [login], secret: S3CR3T-value, retries: 3 }\n', /webhooks\[0\] \(url "https:\/\/crm.example\/x"\).*retries/],
  ];
  for (const [what, text, message] of bad) {
    test(`a bad webhook refuses the whole file, naming file, entry and field, never the secret: ${what}`, async () => {
      const path = file('bad.yaml', `queues:\n  - { name: newqueue }\n${text}`);
      await assert.rejects(
        async () => applyProvision(h.knex, readProvisionFile(path), { prune: false, path }),
        (err: Error) => {
          assert.ok(err instanceof ProvisionError, err.message);
          assert.ok(err.message.startsWith(`${path}: `), err.message);
          assert.match(err.message, message);
          assert.ok(!err.message.includes('S3CR3T') && !err.message.includes('734129'), `no secret in: ${err.message}`);
          return true;
        },
      );
      assert.equal(await h.knex('queues').where({ name: 'newqueue' }).first(), undefined, 'nothing applied');
    });
  }
});

describe('the outbox', () => {
  test('every transition a webhook wants becomes a delivery, with the queues it applied to; others do not', async () => {
    await hooks([
      { url: 'https://crm.example/all', events: ['login', 'logoff', 'pause', 'unpause', 'pause_overdue'], secret: SECRET },
      { url: 'https://crm.example/pauses', events: ['pause'], secret: 'other' },
    ], true);
    assert.deepEqual(await command({ command: 'login', agent: '1003', exten: '2003', queue: 'support' }), { success: 'Login OK' });
    assert.deepEqual(await command({ command: 'login', agent: '1003', exten: '2003', queue: 'sales' }), { success: 'Login OK' });
    assert.deepEqual(await command({ command: 'pause', agent: '1003', reason: 'almoco' }), { success: 'Pause OK' });
    assert.deepEqual(await command({ command: 'unpause', agent: '1003' }), { success: 'Unpause OK' });
    assert.deepEqual(await command({ command: 'logoff', agent: '1003' }), { success: 'Logoff OK' });
    const rows = await deliveries();
    assert.deepEqual(
      rows.map((d) => [d.url.replace('https://crm.example/', ''), d.kind, d.agent, d.queues.join('+'), d.status]),
      [
        ['all', 'login', '1003', 'support', 'pending'],
        ['all', 'login', '1003', 'sales', 'pending'],
        ['all', 'pause', '1003', 'sales+support', 'pending'],
        ['pauses', 'pause', '1003', 'sales+support', 'pending'],
        ['all', 'unpause', '1003', 'sales+support', 'pending'],
        ['all', 'logoff', '1003', 'sales', 'pending'],
        ['all', 'logoff', '1003', 'support', 'pending'],
      ],
    );
    const pause = rows.filter((d) => d.kind === 'pause');
    assert.notEqual(pause[0]!.idempotency_key, pause[1]!.idempotency_key, 'each webhook has its own key for the event');
    assert.equal(new Set(rows.map((d) => d.idempotency_key)).size, rows.length);
  });

  test('any writer of events is covered; an event rolled back leaves no delivery; kinds nobody wants leave none', async () => {
    const before = (await deliveries()).length;
    // pause_overdue is written by the pause rules' job; where the record knows that kind, it goes out too
    const overdue = await h.knex('events').insert({ agent: '1002', kind: 'pause_overdue', source: 'http', reason: 'Almoco' }).then(() => true, () => false);
    await h.knex('events').insert({ agent: '1002', exten: '2002', queue: 'support', kind: 'login', source: 'reconcile' });
    await h.knex('events').insert({ agent: '1002', exten: '2002', queue: 'support', kind: 'reverted', source: 'resync', detail: '{}' });
    await assert.rejects(
      h.knex.transaction(async (trx) => {
        await trx('events').insert({ agent: '1002', exten: '2002', queue: 'support', kind: 'logoff', source: 'pbx' });
        throw new Error('rolled back');
      }),
    );
    const added = (await deliveries()).slice(before);
    assert.deepEqual(
      added.filter((d) => d.kind !== 'pause_overdue').map((d) => [d.kind, d.agent, d.queues]),
      [['login', '1002', ['support']]],
    );
    assert.equal(added.filter((d) => d.kind === 'pause_overdue').length, overdue ? 1 : 0);
  });
});

describe('GET /api/webhooks/deliveries', () => {
  const get = (url: string, remoteAddress = '127.0.0.1') => h.http.inject({ method: 'GET', url, remoteAddress });

  test('lists deliveries newest first, filtered by status, with what a receiver would need, never the secret', async () => {
    const [newest] = await h.knex('webhook_deliveries').where('id', h.knex('webhook_deliveries').max('id')).update({ status: 'failed', finished_at: h.knex.fn.now(), last_error: 'HTTP 500', last_status: 500 }, ['id']);
    const all = await get('/api/webhooks/deliveries');
    assert.equal(all.statusCode, 200);
    assert.equal(all.headers['content-type'], 'application/json; charset=utf-8');
    const list = (all.json() as { deliveries: Array<Record<string, unknown>> }).deliveries;
    assert.equal(list.length, await h.knex('webhook_deliveries').count('* as n').first().then((r) => Number(r?.n)));
    assert.deepEqual(list.map((d) => d.id), [...list.map((d) => d.id)].sort((a, b) => Number(b) - Number(a)));
    assert.ok(!all.body.includes(SECRET) && !all.body.includes('"secret"'), 'no secret');
    const failed = (await get('/api/webhooks/deliveries?status=failed')).json() as { deliveries: Array<Record<string, unknown>> };
    assert.equal(failed.deliveries.length, 1);
    const f = failed.deliveries[0]!;
    assert.equal(f.id, newest.id);
    assert.deepEqual(Object.keys(f).sort(), ['agent', 'attempts', 'created_at', 'event_id', 'finished_at', 'id', 'idempotency_key', 'kind', 'last_error', 'last_status', 'next_at', 'status', 'tried_at', 'webhook']);
    assert.deepEqual([f.status, f.last_status, f.last_error, f.next_at], ['failed', 500, 'HTTP 500', null]);
    assert.match(String(f.finished_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const pending = (await get('/api/webhooks/deliveries?status=pending&limit=2')).json() as { deliveries: Array<{ id: number; status: string }> };
    assert.equal(pending.deliveries.length, 2);
    assert.ok(pending.deliveries.every((d) => d.status === 'pending'));
    const next = (await get(`/api/webhooks/deliveries?status=pending&limit=2&before=${pending.deliveries[1]!.id}`)).json() as { deliveries: Array<{ id: number }> };
    assert.ok(next.deliveries.every((d) => d.id < pending.deliveries[1]!.id));
  });

  test('a webhook URL is listed without its query string, which may carry the receiver\'s token', async () => {
    const [d] = await h.knex('webhook_deliveries').orderBy('id', 'desc').limit(1).select('webhook');
    const [{ url }] = await h.knex('webhooks').where({ id: d.webhook }).select('url');
    await h.knex('webhooks').where({ id: d.webhook }).update({ url: `${url}?token=rcv-t0ken-9` });
    try {
      const res = await get('/api/webhooks/deliveries');
      assert.equal(res.statusCode, 200);
      assert.ok(!res.body.includes('rcv-t0ken-9'), 'no token');
      assert.equal((res.json() as { deliveries: Array<{ webhook: string }> }).deliveries[0]!.webhook, new URL(url).origin + new URL(url).pathname);
    } finally {
      await h.knex('webhooks').where({ id: d.webhook }).update({ url });
    }
  });

  test('a bad parameter answers 400 naming it; outside API_ALLOW without a token 403; another method 405', async () => {
    for (const [query, param] of [['status=lost', 'status'], ['status=', 'status'], ['limit=0', 'limit'], ['limit=5000', 'limit'], ['limit=x', 'limit'], ['before=-1', 'before']]) {
      const res = await get(`/api/webhooks/deliveries?${query}`);
      assert.equal(res.statusCode, 400, query);
      assert.deepEqual(res.json(), { error: 'Argument list invalid', detail: param });
    }
    const outside = await get('/api/webhooks/deliveries', '203.0.113.7');
    assert.equal(outside.statusCode, 403);
    assert.deepEqual(outside.json(), { error: 'Forbidden' });
    assert.equal((await get('/api/webhooks/deliveries?token=tok-123', '203.0.113.7')).statusCode, 200);
    const post = await h.http.inject({ method: 'POST', url: '/api/webhooks/deliveries', remoteAddress: '127.0.0.1' });
    assert.equal(post.statusCode, 405);
    assert.equal(post.headers.allow, 'GET');
  });

  test('a database that cannot be reached answers 503 Database unavailable', async () => {
    const quiet = { warn() {}, error() {}, debug() {}, deprecate() {} };
    const dead = knexFactory({ client: 'pg', connection: { host: '127.0.0.1', port: 1, user: 'x', database: 'x', connectionTimeoutMillis: 500 }, pool: { min: 0, max: 1 }, acquireConnectionTimeout: 1000, log: quiet });
    const app = buildHttp({ ...h.deps, db: dead, access: accessCheck(parseAllowList('127.0.0.1/32'), []), readiness: async () => ({ database: false, pbx: true }) });
    try {
      const res = await app.inject({ method: 'GET', url: '/api/webhooks/deliveries?status=failed', remoteAddress: '127.0.0.1' });
      assert.equal(res.statusCode, 503);
      assert.deepEqual(res.json(), { error: 'Database unavailable' });
    } finally {
      await app.close();
      await dead.destroy();
    }
  });

  test('the metrics count deliveries by status and the age of the oldest pending one', async () => {
    const metrics = new Metrics({ db: h.knex, pbx: h.pbx, agiSessions: () => 0, liveFeedClients: () => 0 });
    // the webhook families only (the process's own figures may still be NaN this early)
    const text = (await metrics.scrape()).split('\n').filter((l) => l.includes('agentgate_webhook_')).join('\n') + '\n';
    const samples = parsePrometheus(text);
    const value = (name: string, labels: Record<string, string> = {}) =>
      samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    const counts = await h.knex('webhook_deliveries').select('status').count('* as n').groupBy('status');
    const of = (s: string) => Number(counts.find((c) => c.status === s)?.n ?? 0);
    assert.ok(of('pending') > 0);
    assert.equal(value('agentgate_webhook_deliveries', { status: 'pending' }), of('pending'));
    assert.equal(value('agentgate_webhook_deliveries', { status: 'failed' }), 1);
    assert.equal(value('agentgate_webhook_deliveries', { status: 'delivered' }), 0);
    assert.ok((value('agentgate_webhook_oldest_pending_seconds') ?? -1) >= 0);
    for (const name of ['agentgate_webhook_attempts_total', 'agentgate_webhook_delivery_seconds']) assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'));
  });
});

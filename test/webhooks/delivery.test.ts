import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, afterEach, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { openDatabase } from '../../src/db/connect.js';
import { Metrics } from '../../src/metrics.js';
import { applyProvision, readProvisionFile } from '../../src/provision/apply.js';
import { fileSchema } from '../../src/provision/schema.js';
import { DEFAULT_BACKOFF, retryDelayMs } from '../../src/webhooks/backoff.js';
import { takeDue } from '../../src/webhooks/outbox.js';
import { type WorkerOptions, WebhookWorker } from '../../src/webhooks/worker.js';
import { type Harness, quietLog, startHarness, until } from '../support/harness.js';
import { TestClock } from '../support/clock.js';
import { BASE_YAML } from '../support/paths.js';
import { Receiver, deliveredInOrder, deliveryRows } from '../support/receiver.js';

// Delivery against a real HTTP receiver on 127.0.0.1 that checks signatures as an integration would.

let h: Harness;
const SECRET = 'whsec-delivery-41c0e2d9';
const cleanup: Array<() => Promise<void>> = [];

before(async () => {
  h = await startHarness();
});
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
  await h.knex('webhooks').delete();
});
after(async () => {
  await h.close();
});

async function receiver(): Promise<Receiver> {
  const r = await Receiver.start(SECRET);
  cleanup.push(() => r.close());
  return r;
}

async function subscribe(url: string, events = ['login', 'logoff', 'pause', 'unpause', 'pause_overdue']): Promise<number> {
  await applyProvision(h.knex, { ...readProvisionFile(BASE_YAML), webhooks: fileSchema.parse({ webhooks: [{ url, events, secret: SECRET }] }).webhooks }, { prune: false, path: 'hooks.yaml' });
  return (await h.knex('webhooks').where({ url }).first()).id;
}

const FAST = { firstMs: 20, maxMs: 100, giveUpMs: 24 * 3600_000 };

function worker(opts: WorkerOptions = {}, knex = h.knex, log = quietLog, metrics?: Metrics): WebhookWorker {
  const w = new WebhookWorker({ db: knex, log, observer: metrics?.webhooks }, { pollMs: 20, timeoutMs: 2000, backoff: FAST, ...opts });
  cleanup.push(() => w.stop());
  return w;
}

const command = async (params: Record<string, string>) =>
  (await h.http.inject({ method: 'GET', url: `/api/agent.php?${new URLSearchParams(params)}`, remoteAddress: '127.0.0.1' })).json();

/** `n` events per agent, written one statement each, the agents taking turns. */
async function writeEvents(agents: string[], n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    for (const agent of agents) {
      await h.knex('events').insert({ agent, exten: null, queue: null, kind: i % 2 === 0 ? 'pause' : 'unpause', reason: i % 2 === 0 ? `r${i}` : null, source: 'http' });
    }
  }
}

const rowsOf = (webhook: number) => deliveryRows(h.knex, webhook);
const allDelivered = async (webhook: number) => (await rowsOf(webhook)).every((r) => r.status === 'delivered');
const assertDeliveredInOrder = (r: Receiver, webhook: number) => deliveredInOrder(h.knex, r, webhook);

describe('webhook delivery', () => {
  test('every event is delivered, signed and in order per agent, through a receiver that fails its first tries', async () => {
    const r = await receiver();
    r.behave = (_g, n) => (n <= 7 ? 500 : 200);
    const webhook = await subscribe(r.url);
    const w = worker({ concurrency: 4 });
    w.start();
    assert.deepEqual(await command({ command: 'login', agent: '1001', exten: '2001', queue: 'support' }), { success: 'Login OK' });
    assert.deepEqual(await command({ command: 'pause', agent: '1001', reason: '1' }), { success: 'Pause OK' });
    await writeEvents(['1002', '1003', '1004'], 8);
    assert.deepEqual(await command({ command: 'unpause', agent: '1001' }), { success: 'Unpause OK' });
    await until(() => allDelivered(webhook), 'every delivery delivered');
    await assertDeliveredInOrder(r, webhook);
    assert.ok(r.got.filter((g) => g.answer === 500).length === 7, 'the first seven were refused and retried');
    const failedOnce = await h.knex('webhook_deliveries').where({ webhook }).where('attempts', '>', 1);
    assert.ok(failedOnce.length >= 1);
    assert.ok(failedOnce.every((d) => d.last_error === null), 'a delivered row keeps no error');

    // the payload, as docs/http-api.md documents it
    const pause = r.accepted().find((g) => g.body.agent === '1001' && g.body.kind === 'pause')!;
    const event = await h.knex('events').where({ id: pause.body.event_id }).first();
    const key = (await h.knex('webhook_deliveries').where({ webhook, event: event.id }).first()).idempotency_key;
    assert.deepEqual(JSON.parse(pause.raw), {
      idempotency_key: key,
      event_id: event.id,
      kind: 'pause',
      at: new Date(event.at).toISOString(),
      agent: '1001',
      exten: '2001',
      queue: null,
      queues: ['support'],
      pbx: 'default',
      reason: 'Almoco',
      source: 'http',
      // the caller inside API_ALLOW without a key: recorded by its address
      actor: 'ip:127.0.0.1',
    });
    assert.equal(pause.headers['content-type'], 'application/json; charset=utf-8');
    assert.match(String(pause.headers['x-agentgate-signature']), /^sha256=[0-9a-f]{64}$/);
    assert.match(String(pause.headers['x-agentgate-timestamp']), /^\d{10}$/);
  });

  test('a slow receiver is waited for up to the timeout; one slower is tried again, with the same key', async () => {
    const r = await receiver();
    // each agent's first request answers well after the timeout; the rest take 100 ms, well within it
    const slowFirst = new Set<string>();
    r.behave = (g) => {
      if (!slowFirst.has(g.body.agent)) {
        slowFirst.add(g.body.agent);
        return { delayMs: 2500, status: 200 };
      }
      return { delayMs: 100, status: 200 };
    };
    const webhook = await subscribe(r.url);
    worker({ concurrency: 3, timeoutMs: 1000 }).start();
    await writeEvents(['1002', '1003'], 4);
    await until(() => allDelivered(webhook), 'every delivery delivered');
    await until(() => r.got.every((g) => g.answer !== 'held'), 'the slow answers are out');
    await assertDeliveredInOrder(r, webhook);
    const keys = r.got.map((g) => g.body.idempotency_key);
    assert.equal(keys.length, (await rowsOf(webhook)).length + 2, 'the two timed-out requests were sent again');
    const errors = await h.knex('webhook_deliveries').where({ webhook }).where('attempts', 2).pluck('event');
    assert.equal(errors.length, 2);
  });

  test('a receiver that goes away is retried until it is back, then gets everything in order', async () => {
    const r = await receiver();
    const webhook = await subscribe(r.url);
    await r.goAway();
    const w = worker({ concurrency: 2 });
    w.start();
    await writeEvents(['1002', '1004'], 5);
    await until(async () => (await rowsOf(webhook)).filter((x) => x.attempts >= 2).length === 2, 'both agents retried');
    const down = await rowsOf(webhook);
    assert.ok(down.every((x) => x.status === 'pending'));
    assert.deepEqual([...new Set(down.filter((x) => x.attempts > 0).map((x) => x.last_error))], ['ECONNREFUSED']);
    assert.equal(down.filter((x) => x.attempts > 0).length, 2, "only each agent's first event was tried: the others wait behind it");
    await r.listen();
    await until(() => allDelivered(webhook), 'every delivery delivered once the receiver is back');
    await assertDeliveredInOrder(r, webhook);
  });

  test('two instances deliver each event once, in order per agent', async (t) => {
    if (!h.db.server || !h.db.url) return t.skip('needs a Postgres server');
    const r = await receiver();
    r.behave = (g) => ({ delayMs: g.body.event_id % 3 ? 5 : 20, status: 200 });
    const webhook = await subscribe(r.url);
    const other = await openDatabase({ url: h.db.url, dataDir: '' });
    cleanup.push(() => other.close());
    const a = worker({ concurrency: 3, pollMs: 5 });
    const b = worker({ concurrency: 3, pollMs: 5 }, other.knex);
    a.start();
    b.start();
    await writeEvents(['1001', '1002', '1003', '1004'], 10);
    await until(() => allDelivered(webhook), 'every delivery delivered');
    await assertDeliveredInOrder(r, webhook);
    assert.equal(r.got.length, 40, 'each event sent once: no delivery taken twice');
    assert.equal(new Set(r.got.map((g) => g.body.idempotency_key)).size, 40);
  });

  test('backoff doubles from 5 s up to 30 min, and a delivery still failing 24 h after its event is given up (a moved clock, no waiting)', async () => {
    const r = await receiver();
    r.behave = () => 503;
    const webhook = await subscribe(r.url);
    const clock = new TestClock();
    const metrics = new Metrics({ db: h.knex, pbx: h.pbx, agiSessions: () => 0, liveFeedClients: () => 0 });
    // no polling: the test says when the worker looks
    const w = worker({ clock, pollMs: 3600_000, backoff: DEFAULT_BACKOFF }, h.knex, quietLog, metrics);
    const step = async () => {
      w.wake();
      await w.idle();
    };
    await writeEvents(['1002'], 2);
    await writeEvents(['1004'], 1);
    const [e1, e2] = (await rowsOf(webhook)).filter((x) => x.agent === '1002');
    const row = async (id: number) => h.knex('webhook_deliveries').where({ id }).first();

    await step();
    assert.deepEqual(r.got.map((g) => g.body.agent).sort(), ['1002', '1004'], "each agent's first event tried; 1002's second waits");
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 11; attempt++) {
      const d = await row(e1!.id);
      assert.equal(d.attempts, attempt);
      // counted from the failure, which came a few ms after the try began
      const wait = new Date(d.next_at).getTime() - new Date(d.tried_at).getTime();
      waits.push(Math.round(wait / 1000));
      assert.ok(new Date((await row(e2!.id)).next_at) >= new Date(d.next_at), 'the next event of that agent waits as long');
      clock.advance(wait / 2);
      await step();
      assert.equal((await row(e1!.id)).attempts, attempt, 'not tried before its time');
      clock.advance(wait / 2);
      await step();
    }
    assert.deepEqual(waits, [5, 10, 20, 40, 80, 160, 320, 640, 1280, 1800, 1800]);
    assert.deepEqual(waits.map((_, i) => retryDelayMs(DEFAULT_BACKOFF, i + 1) / 1000), waits);
    assert.equal((await row(e2!.id)).attempts, 0, 'never sent while the earlier one is pending');

    clock.advance(24 * 3600_000);
    await step();
    const rows = await rowsOf(webhook);
    assert.deepEqual(rows.map((x) => x.status), ['failed', 'failed', 'failed']);
    assert.equal((await row(e2!.id)).attempts, 1, 'once the earlier one is given up, the next is tried (once: it is past its 24 h too)');
    const agent1002 = r.got.filter((g) => g.body.agent === '1002').map((g) => g.body.event_id);
    assert.deepEqual(agent1002, [...agent1002].sort((a, b) => a - b));
    const listed = (await h.http.inject({ method: 'GET', url: '/api/webhooks/deliveries?status=failed', remoteAddress: '127.0.0.1' })).json() as { deliveries: Array<{ last_error: string; last_status: number }> };
    assert.equal(listed.deliveries.length, 3);
    assert.ok(listed.deliveries.every((d) => d.last_error === 'HTTP 503' && d.last_status === 503));
    const text = await metrics.scrape();
    assert.match(text, /^agentgate_webhook_attempts_total\{outcome="failed"\} 3$/m);
    assert.match(text, new RegExp(`^agentgate_webhook_attempts_total\\{outcome="retry"\\} ${r.got.length - 3}$`, 'm'));
    assert.match(text, /^agentgate_webhook_deliveries\{status="failed"\} 3$/m);

    // the agent's chain is not stuck: a new event goes out once the receiver is back
    r.behave = () => 200;
    await writeEvents(['1002'], 1);
    await step();
    assert.equal((await rowsOf(webhook)).filter((x) => x.status === 'delivered').length, 1);
    assert.match(await metrics.scrape(), /^agentgate_webhook_delivery_seconds_count 1$/m);
  });

  test('a command answers while a delivery is held by a receiver that does not answer', async () => {
    const r = await receiver();
    r.behave = () => 'hold';
    const webhook = await subscribe(r.url);
    const w = worker({ concurrency: 1, timeoutMs: 60_000 });
    w.start();
    assert.deepEqual(await command({ command: 'login', agent: '1004', exten: '2004', queue: 'support' }), { success: 'Login OK' });
    await until(() => r.heldCount() === 1, 'the login delivery is held');
    assert.deepEqual(await command({ command: 'pause', agent: '1004', reason: 'Almoco' }), { success: 'Pause OK' });
    assert.deepEqual(await command({ command: 'unpause', agent: '1004' }), { success: 'Unpause OK' });
    assert.deepEqual(await command({ command: 'status', agent: '1004' }).then((s) => s.state), 'available');
    assert.equal(r.heldCount(), 1, 'the delivery is still held');
    assert.equal(w.inFlightCount(), 1);
    const held = await h.knex('webhook_deliveries').where({ webhook, status: 'pending' }).whereNotNull('holder');
    assert.equal(held.length, 1);
    assert.equal(held[0].holder, w.holder);
    r.behave = () => 200;
    r.release(200);
    await until(() => allDelivered(webhook), 'all three delivered once the receiver answers');
    await assertDeliveredInOrder(r, webhook);
    assert.deepEqual(r.accepted().map((g) => g.body.kind), ['login', 'pause', 'unpause']);
  });

  test('a worker that stops gives its delivery in flight back; a lease whose worker died is taken up once it runs out', async () => {
    const r = await receiver();
    r.behave = () => 'hold';
    const webhook = await subscribe(r.url);
    const first = worker({ concurrency: 1, timeoutMs: 60_000 });
    first.start();
    await writeEvents(['1003'], 2);
    await until(() => r.heldCount() === 1, 'held');
    await first.stop();
    const given = await rowsOf(webhook);
    assert.deepEqual(given.map((x) => [x.status, x.attempts]), [['pending', 1], ['pending', 0]]);
    assert.equal((await h.knex('webhook_deliveries').whereNotNull('holder').where({ webhook })).length, 0, 'no lease left');
    r.behave = () => 200;
    const second = worker();
    second.start();
    await until(() => allDelivered(webhook), 'the second worker sent both');
    await assertDeliveredInOrder(r, webhook);
    assert.equal(r.got[0]!.body.idempotency_key, r.got[1]!.body.idempotency_key, 'sent again with the same key');

    // a worker that died holding a lease: nobody sends it until the lease runs out
    await second.stop();
    await writeEvents(['1004'], 1);
    const [dead] = await takeDue(h.knex, 'a-worker-that-died', 10, 15_000, 0);
    assert.equal(dead?.agent, '1004');
    const clock = new TestClock();
    const third = worker({ clock, pollMs: 3600_000 });
    const before = r.got.length;
    third.wake();
    await third.idle();
    assert.equal(r.got.length, before, 'not while the lease holds');
    clock.advance(16_000);
    third.wake();
    await third.idle();
    assert.equal(r.got.length, before + 1);
    assert.ok(await allDelivered(webhook));
  });

  test('neither the secret nor a token in the URL reaches the log', async () => {
    const r = await receiver();
    r.behave = (_g, n) => (n <= 2 ? 500 : 200);
    const lines: string[] = [];
    const log = pino({ level: 'debug' }, new Writable({ write: (chunk, _enc, done) => void (lines.push(String(chunk)), done()) }));
    const url = `${r.url}?token=tok-in-url-5521`;
    const webhook = await subscribe(url);
    worker({}, h.knex, log).start();
    await writeEvents(['1002'], 2);
    await until(() => allDelivered(webhook), 'delivered');
    const text = lines.join('');
    assert.match(text, /webhooks: the receiver is failing/);
    assert.match(text, /webhooks: delivered/);
    assert.ok(!text.includes(SECRET), 'no secret in the log');
    assert.ok(!text.includes('tok-in-url-5521'), 'no query string in the log');
    assert.ok(r.got.every((g) => g.signed));
  });
});

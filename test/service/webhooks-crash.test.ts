import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { applyProvision, readProvisionFile } from '../../src/provision/apply.js';
import { fileSchema } from '../../src/provision/schema.js';
import { SimAsterisk } from '../support/asterisk.js';
import { type TestDb, freshDatabase } from '../support/db.js';
import { until } from '../support/harness.js';
import { BASE_YAML } from '../support/paths.js';
import { Receiver, deliveredInOrder, deliveryRows } from '../support/receiver.js';
import { type Served, command, ready, serve } from '../support/service.js';

// kill -9 of the real process while its webhook deliveries are being posted: the outbox and its
// leases are in Postgres, so the next process sends them again (the same key) and loses nothing.

const SECRET = 'whsec-crash-90be11';
let db: TestDb;
let sim: SimAsterisk;
let receiver: Receiver;
let webhook: number;

before(async () => {
  db = await freshDatabase();
  receiver = await Receiver.start(SECRET);
  const file = readProvisionFile(BASE_YAML);
  file.webhooks = fileSchema.parse({ webhooks: [{ url: receiver.url, events: ['login', 'logoff', 'pause', 'unpause'], secret: SECRET }] }).webhooks;
  await applyProvision(db.knex, file, { prune: false, path: 'base.yaml' });
  webhook = (await db.knex('webhooks').first()).id;
  sim = await SimAsterisk.start({ username: 'agentgate', secret: 'hooks-crash' });
});
after(async () => {
  await receiver.close();
  await sim.close();
  await db.drop();
});

// a POST may take 4 s: the kill comes well within it, and the lease (4 s + 2 s) runs out soon after
const env = (url: string) => ({ DATABASE_URL: url, AMI_PORT: String(sim.port), AMI_SECRET: 'hooks-crash', WEBHOOK_TIMEOUT_MS: '4000' });

async function kill(svc: Served): Promise<void> {
  svc.child.kill('SIGKILL');
  await svc.exited;
}

test('killed while its receiver holds the deliveries: the next process sends every event, in order, repeats with the same key', async (t) => {
  if (!db.server || !db.url) return t.skip('needs a Postgres server');
  receiver.behave = () => 'hold';
  const first = await serve(env(db.url));
  try {
    await ready(first.base);
    assert.equal(await command(first.base, { command: 'login', agent: '1001', exten: '2001', queue: 'support' }), 'Login OK');
    assert.equal(await command(first.base, { command: 'login', agent: '1002', exten: '2002', queue: 'sales' }), 'Login OK');
    assert.equal(await command(first.base, { command: 'pause', agent: '1001', reason: 'Almoco' }), 'Pause OK');
    assert.equal(await command(first.base, { command: 'pause', agent: '1002' }), 'Pause OK');
    await until(() => receiver.heldCount() === 2, "both agents' first deliveries are being posted");
  } finally {
    await kill(first);
  }
  const inFlight = await db.knex('webhook_deliveries').whereNotNull('holder').where({ status: 'pending' });
  assert.equal(inFlight.length, 2, 'killed mid-delivery: two leases held by the dead process, nothing recorded');
  await until(() => receiver.heldCount() === 0, 'the receiver saw the connections go');

  receiver.behave = () => 200;
  const second = await serve(env(db.url));
  try {
    await ready(second.base);
    assert.equal(await command(second.base, { command: 'unpause', agent: '1001' }), 'Unpause OK');
    assert.equal(await command(second.base, { command: 'logoff', agent: '1002' }), 'Logoff OK');
    await until(async () => (await deliveryRows(db.knex, webhook)).every((r) => r.status === 'delivered'), 'every delivery delivered by the second process');
  } finally {
    await kill(second);
  }
  await deliveredInOrder(db.knex, receiver, webhook);
  const events = await db.knex('events').whereIn('kind', ['login', 'logoff', 'pause', 'unpause']).orderBy('id').select('id');
  assert.deepEqual(
    [...new Set(receiver.accepted().map((g) => g.body.event_id))].sort((a, b) => a - b),
    events.map((e) => e.id),
    'every event of the record was received',
  );
  const dropped = receiver.got.filter((g) => g.answer === 'dropped');
  assert.equal(dropped.length, 2);
  for (const d of dropped) {
    assert.equal(receiver.accepted().filter((g) => g.body.idempotency_key === d.body.idempotency_key).length, 1, 'sent again once, with the same key');
  }
});

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { messageOf } from '../../src/commands/outcomes.js';
import { runCommand } from '../../src/commands/run.js';
import { applyProvision, readProvisionFile } from '../../src/provision/apply.js';
import { fileSchema } from '../../src/provision/schema.js';
import { Keeper } from '../../src/sync/keeper.js';
import { PausePolicy } from '../../src/sync/policy.js';
import { WebhookWorker } from '../../src/webhooks/worker.js';
import { TestClock } from '../support/clock.js';
import { type Harness, quietLog, startHarness, until, HTTP_BY } from '../support/harness.js';
import { RULES_YAML } from '../support/paths.js';
import { Receiver, deliveredInOrder } from '../support/receiver.js';

// The overdue record is written by the one writer under the agent's claim, so it is ordered with the
// agent's other changes: an integration sees one agent's events in the record's order even when the
// pause rules and Asterisk change the same agent at the same moment.

const MIN = 60_000;
const SECRET = 'whsec-order-7d1f30aa';
let h: Harness;
let r: Receiver;
let worker: WebhookWorker;
let keeper: Keeper;
let policy: PausePolicy;
let clock: TestClock;
let webhook = 0;
let skip: string | false = false;

before(async () => {
  h = await startHarness({ yaml: RULES_YAML });
  if (!h.db.server) {
    skip = 'racing writers need a Postgres server';
    return;
  }
  r = await Receiver.start(SECRET);
  const file = readProvisionFile(RULES_YAML);
  const hooks = fileSchema.parse({ webhooks: [{ url: r.url, events: ['login', 'logoff', 'pause', 'unpause', 'pause_overdue'], secret: SECRET }] }).webhooks;
  await applyProvision(h.knex, { ...file, webhooks: hooks }, { prune: false, path: 'hooks.yaml' });
  webhook = (await h.knex('webhooks').where({ url: r.url }).first()).id;
  // Widens the race: the statement that writes a pause_overdue event takes 300 ms from taking its id
  // to its commit. A writer of the same agent that took a later id and committed meanwhile would be
  // sent first (the outbox sends an agent's earliest pending delivery among committed rows).
  await h.knex.raw(`
    CREATE FUNCTION test_slow_overdue() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.3); RETURN NULL; END $$;
    CREATE TRIGGER test_slow_overdue AFTER INSERT ON events FOR EACH ROW WHEN (NEW.kind = 'pause_overdue') EXECUTE FUNCTION test_slow_overdue();`);
  keeper = new Keeper(h.deps, { reconcileMs: 0 });
  keeper.attach();
  clock = new TestClock();
  policy = new PausePolicy(h.deps, { clock });
  worker = new WebhookWorker({ db: h.knex, log: quietLog }, { pollMs: 10, timeoutMs: 5000 });
  worker.start();
});

after(async () => {
  policy?.stop();
  keeper?.stop();
  await worker?.stop();
  await r?.close();
  await h.close();
});

const run = async (command: string, agent: string, more: Record<string, unknown> = {}) => messageOf(await runCommand(h.deps, { command, agent, ...more }, HTTP_BY));

/** Our database's statements sleeping in the slow trigger: the overdue record is between its id and its commit. */
async function overdueInFlight(): Promise<boolean> {
  const { rows } = await h.knex.raw(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'PgSleep'`);
  return rows[0].n > 0;
}

test("a pause running over while Asterisk and a command change the same agent: the webhook gets that agent's events in the record's order", async (t) => {
  if (skip) return t.skip(skip);
  assert.equal(await run('login', '1003', { exten: '2004', queues: ['support', 'sales'] }), 'Login OK');
  const rounds = 4;
  for (let i = 1; i <= rounds; i++) {
    assert.equal(await run('pause', '1003', { reason: 'Almoco' }), 'Pause OK');
    const since = new Date((await h.knex('agent_sessions').where({ agent: '1003' }).first()).since).getTime();
    await clock.advanceTo(h.knex, since + 61 * MIN);
    policy.request();
    await until(overdueInFlight, 'the overdue record is being written');
    // meanwhile the reason changes in one queue from Asterisk's side, then the agent comes back
    h.sim.clearActions();
    assert.ok(h.sim.externalPause('PJSIP/2004', true, `Outro${i}`, 'sales'));
    await until(() => h.sim.actionsOf('QueueStatus').length > 0, 'the change is being looked at');
    await keeper.idle();
    const back = run('unpause', '1003');
    await policy.idle();
    assert.equal(await back, 'Unpause OK');
  }
  await until(async () => Number((await h.knex('webhook_deliveries').where({ webhook, status: 'pending' }).count('* as n').first())?.n) === 0, 'every delivery delivered');
  await deliveredInOrder(h.knex, r, webhook);
  const kinds = r.accepted().filter((g) => g.body.agent === '1003').map((g) => g.body.kind);
  assert.equal(kinds.filter((k) => k === 'pause_overdue').length, rounds, 'each round wrote its pause_overdue');
  assert.equal(kinds.filter((k) => k === 'unpause').length, rounds);
  const fromAsterisk = await h.knex('events').where({ agent: '1003', kind: 'pause', queue: 'sales', source: 'pbx' }).pluck('reason');
  assert.deepEqual(fromAsterisk, Array.from({ length: rounds }, (_, i) => `Outro${i + 1}`), "each round's change from Asterisk is in the record");
});

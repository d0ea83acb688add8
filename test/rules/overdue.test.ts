import assert from 'node:assert/strict';
import { pino } from 'pino';
import { after, before, describe, mock, test } from 'node:test';
import type { Deps } from '../../src/commands/deps.js';
import { abandon, tryClaim } from '../../src/commands/intents.js';
import { messageOf } from '../../src/commands/outcomes.js';
import { unpause } from '../../src/commands/pause.js';
import { runCommand } from '../../src/commands/run.js';
import { clockNow } from '../../src/clock.js';
import { Keeper } from '../../src/sync/keeper.js';
import { recordOverdue } from '../../src/sync/record-overdue.js';
import { PausePolicy } from '../../src/sync/policy.js';
import { TestClock } from '../support/clock.js';
import { type Harness, type Instance, amiBarrier, startHarness, startInstance, until, HTTP_BY } from '../support/harness.js';
import { RULES_YAML } from '../support/paths.js';

// Reasons (test/fixtures/provision/rules.yaml): Almoco 60 min (alert), Banheiro 10 min (unpause),
// Treinamento no limit, Feedback 30 min (alert).
const MIN = 60_000;

let h: Harness;
let other: Instance | undefined;
let clock: TestClock;
/** One policy per instance, both on the same test clock (the database's, moved by the test). */
let policies: PausePolicy[] = [];
const keepers: Keeper[] = [];
let skip: string | false = false;

before(async () => {
  h = await startHarness({ yaml: RULES_YAML });
  if (!h.db.server || !h.db.url) {
    skip = 'two instances need a Postgres server';
    return;
  }
  other = await startInstance(h.db.url, h.sim.port);
  for (const deps of [h.deps, other.deps]) {
    const keeper = new Keeper(deps, { reconcileMs: 0 });
    keeper.attach();
    keepers.push(keeper);
  }
  await restartPolicies();
});

/** Both instances' policies start afresh (nothing in memory), on a new clock: the database's time. */
async function restartPolicies(): Promise<void> {
  for (const p of policies) p.stop();
  await settled();
  clock = new TestClock();
  policies = [h.deps, (other as Instance).deps].map((deps) => new PausePolicy(deps, { clock }));
  for (const p of policies) p.attach();
  await settled();
}
after(async () => {
  for (const p of policies) p.stop();
  for (const k of keepers) k.stop();
  await settled();
  await other?.close();
  await h.close();
});

async function settled(): Promise<void> {
  await Promise.all([...policies.map((p) => p.idle()), ...keepers.map((k) => k.idle())]);
}

async function run(command: string, agent: string, more: Record<string, string> = {}): Promise<string> {
  return messageOf(await runCommand(h.deps, { command, agent, ...more }, HTTP_BY));
}

/** When the agent's current state began, as the record says. */
async function since(agent: string): Promise<number> {
  const row = await h.knex('agent_sessions').select('since').where({ agent }).first();
  return new Date(row.since).getTime();
}

const overdueEvents = (agent: string) =>
  h.knex('events').select('agent', 'exten', 'queue', 'reason', 'source', 'actor', 'detail').where({ agent, kind: 'pause_overdue' }).orderBy('id');

/** The agent's entry in /api/agents: agent, reason, max_minutes, overdue. */
async function listed(agent: string): Promise<unknown[]> {
  const res = await h.http.inject({ method: 'GET', url: '/api/agents' });
  const a = (res.json() as { agents: Array<Record<string, unknown>> }).agents.find((x) => x.agent === agent) ?? {};
  return [a.agent, a.reason, a.max_minutes, a.overdue];
}

/** Every policy looks now (what their tick does). */
async function look(): Promise<void> {
  for (const p of policies) p.request();
  await settled();
}

describe('pause rules, on a clock that only moves when told', () => {
  test('a pause is overdue when its limit has passed: one pause_overdue event, at that time and not before; an alert leaves it paused', async (t) => {
    if (skip) return t.skip(skip);
    assert.equal(await run('login', '1001', { exten: '2001', queue: 'support' }), 'Login OK');
    assert.equal(await run('pause', '1001', { reason: 'almoco' }), 'Pause OK');
    const due = (await since('1001')) + 60 * MIN;
    // the ticks (every 30 s) up to ten seconds before the limit: nothing yet
    await clock.advanceTo(h.knex, due - 10_000);
    await settled();
    await look();
    assert.deepEqual(await overdueEvents('1001'), [], 'ten seconds before the limit: nothing');
    // both instances now wake up at the limit (not at their next tick, 30 s on)
    const now = await clock.now(h.knex);
    const armed = clock.armed();
    assert.equal(armed.length, 2, 'one wake-up per instance');
    // (the time read from the database and the timers' agree to the statements' latency)
    for (const ms of armed) assert.ok(Math.abs(now + ms - due) < 1000, `wakes at the limit: ${now + ms - due} ms after it`);

    h.sim.clearActions();
    clock.advance(Math.max(...armed));
    await settled();
    const rows = await overdueEvents('1001');
    assert.equal(rows.length, 1, 'the wake-up at the limit wrote it, once for the two instances');
    const { detail, ...row } = rows[0];
    assert.deepEqual(row, { agent: '1001', exten: '2001', queue: null, reason: 'Almoco', source: 'policy', actor: 'policy' });
    assert.deepEqual(JSON.parse(detail), { max_minutes: 60, paused_minutes: 60, since: new Date(due - 60 * MIN).toISOString(), on_overrun: 'alert' });
    assert.equal(await run('status', '1001'), 'Status OK');
    const status = await runCommand(h.deps, { command: 'status', agent: '1001' }, HTTP_BY);
    assert.equal(status.kind === 'statusOk' && status.status.state, 'paused', 'alert only: still paused');
    assert.equal(h.sim.actionsOf('QueuePause').length, 0, 'nothing asked of Asterisk');

    // the lists give the limit and say it is overdue (for the wallboard)
    assert.deepEqual(await listed('1001'), ['1001', 'Almoco', 60, true]);
  });

  test('the same pause is never reported again: later looks, both instances at once, a restarted instance', async (t) => {
    if (skip || !other) return t.skip(skip || '');
    clock.advance(120 * MIN);
    await look();
    // the two instances' statements racing, many times over
    const at = await clockNow(h.knex, clock);
    const written = await Promise.all([h.deps, other.deps, h.deps, other.deps].map((d) => recordOverdue(d, at)));
    assert.equal(written.flat().length, 0);
    // an instance that starts afresh (nothing in memory) finds it recorded
    const fresh = await startInstance(h.db.url as string, h.sim.port);
    const policy = new PausePolicy(fresh.deps, { clock });
    policy.attach();
    await policy.idle();
    policy.stop();
    await fresh.close();
    assert.equal((await overdueEvents('1001')).length, 1);
  });

  test('two instances racing on a pause that just became overdue write one event', async (t) => {
    if (skip || !other) return t.skip(skip || '');
    assert.equal(await run('login', '1003', { exten: '2003', queue: 'support' }), 'Login OK');
    assert.equal(await run('pause', '1003', { reason: '4' }), 'Pause OK');
    const at = new Date((await since('1003')) + 30 * MIN + 1);
    const written = await Promise.all([h.deps, other.deps, h.deps, other.deps].map((d) => recordOverdue(d, at)));
    assert.deepEqual(
      written.flat().map((w) => w.agent),
      ['1003'],
    );
    assert.equal((await overdueEvents('1003')).length, 1);
  });

  test('a reason without a limit, or no reason, is never overdue; a new pause is a new one', async (t) => {
    if (skip) return t.skip(skip);
    assert.equal(await run('login', '1002', { exten: '2002', queue: 'sales' }), 'Login OK');
    assert.equal(await run('pause', '1002', { reason: 'Treinamento' }), 'Pause OK');
    assert.deepEqual(await listed('1002'), ['1002', 'Treinamento', null, false], 'no limit to show');
    clock.advance(3 * 24 * 60 * MIN);
    await look();
    assert.deepEqual(await overdueEvents('1002'), []);
    assert.equal(await run('unpause', '1002'), 'Unpause OK');
    assert.equal(await run('pause', '1002'), 'Pause OK');
    clock.advance(3 * 24 * 60 * MIN);
    await look();
    assert.deepEqual(await overdueEvents('1002'), []);
    assert.equal(await run('unpause', '1002'), 'Unpause OK');

    // 1001 comes back and goes to lunch again: that pause is reported too
    assert.equal(await run('unpause', '1001'), 'Unpause OK');
    assert.equal(await run('pause', '1001', { reason: '1' }), 'Pause OK');
    assert.deepEqual(await listed('1001'), ['1001', 'Almoco', 60, false], 'a new pause is not overdue yet');
    await clock.advanceTo(h.knex, (await since('1001')) + 61 * MIN);
    await look();
    assert.equal((await overdueEvents('1001')).length, 2);
  });

  test('on_overrun: unpause ends the pause once with two instances, through the unpause command (source policy)', async (t) => {
    if (skip) return t.skip(skip);
    await restartPolicies();
    assert.equal(await run('login', '1004', { exten: '2004', queue: 'support' }), 'Login OK');
    assert.equal(await run('pause', '1004', { reason: 'Banheiro' }), 'Pause OK');
    const due = (await since('1004')) + 10 * MIN;
    await look();
    h.sim.clearActions();
    const before = await h.knex('events').max('id as id').first();
    await clock.advanceTo(h.knex, due + 1000);
    await settled();
    const pauses = h.sim.actionsOf('QueuePause');
    assert.equal(pauses.length, 1, 'one QueuePause for the two instances');
    assert.equal(pauses[0]?.Interface, 'PJSIP/2004');
    assert.equal(String(pauses[0]?.Paused).toLowerCase(), 'false');
    const after = await h.knex('events').select('agent', 'queue', 'kind', 'reason', 'source').where('id', '>', before?.id).orderBy('id');
    assert.deepEqual(after, [
      { agent: '1004', queue: null, kind: 'pause_overdue', reason: 'Banheiro', source: 'policy' },
      { agent: '1004', queue: null, kind: 'unpause', reason: null, source: 'policy' },
    ]);
    const status = await runCommand(h.deps, { command: 'status', agent: '1004' }, HTTP_BY);
    assert.equal(status.kind === 'statusOk' && status.status.state, 'available');
    assert.deepEqual(
      h.sim.members().filter((m) => m.interface === 'PJSIP/2004').map((m) => m.paused),
      [false],
      'Asterisk has it unpaused',
    );
    // (the other instance may still be checking the QueuePause's echo under a claim of its own)
    await until(async () => Number((await h.knex('intents').count('* as n').first())?.n) === 0, 'no claim left');
    await settled();
    assert.equal(await h.knex('events').where('id', '>', before?.id).count('* as n').first().then((r) => Number(r?.n)), 2, 'the echo changed nothing');

    // later looks find nothing more to do
    clock.advance(60 * MIN);
    await look();
    assert.equal(h.sim.actionsOf('QueuePause').length, 1);
  });

  test('Asterisk refusing the unpause: the pause stays overdue and recorded once, and is ended at a later tick', async (t) => {
    if (skip) return t.skip(skip);
    await restartPolicies();
    assert.equal(await run('pause', '1002', { reason: 'Banheiro' }), 'Pause OK');
    const due = (await since('1002')) + 10 * MIN;
    await look();
    const tried = h.sim.actionsOf('QueuePause').length;
    h.sim.mode = 'refuse';
    try {
      await clock.advanceTo(h.knex, due + 1000);
      await settled();
      assert.ok(h.sim.actionsOf('QueuePause').length > tried, 'the unpause was asked, and refused');
      assert.equal((await overdueEvents('1002')).length, 1);
      const status = await runCommand(h.deps, { command: 'status', agent: '1002' }, HTTP_BY);
      assert.equal(status.kind === 'statusOk' && status.status.state, 'paused', 'refused: still paused');
    } finally {
      h.sim.mode = 'normal';
    }
    clock.advance(30_000); // the next tick
    await settled();
    const status = await runCommand(h.deps, { command: 'status', agent: '1002' }, HTTP_BY);
    assert.equal(status.kind === 'statusOk' && status.status.state, 'available');
    assert.equal((await overdueEvents('1002')).length, 1, 'still one pause_overdue');
    const ends = await h.knex('events').where({ agent: '1002', kind: 'unpause', source: 'policy' });
    assert.equal(ends.length, 1);
  });

  test('an instance that died while reporting: its claim is settled without asking Asterisk, and the pause is reported once', async (t) => {
    if (skip) return t.skip(skip);
    assert.equal(await run('unpause', '1003'), 'Unpause OK');
    assert.equal(await run('pause', '1003', { reason: 'Feedback' }), 'Pause OK');
    const due = (await since('1003')) + 30 * MIN;
    // both instances have seen the echoes of the QueuePauses, and are done checking them
    await amiBarrier(h);
    await amiBarrier(other as Instance);
    await settled();
    // the dead instance had claimed the agent to report its pause, and never settled
    const dead = await tryClaim(h.knex, 'a-dead-instance', 1000, 'PJSIP/{exten}', { agent: '1003', action: 'overdue', source: 'policy', actions: 0 });
    assert.equal(dead.kind, 'claimed');
    if (dead.kind === 'claimed') await abandon(h.knex, dead.claim.id, 'a-dead-instance');
    h.sim.clearActions();
    await clock.advanceTo(h.knex, due + 1000);
    await settled();
    assert.equal((await overdueEvents('1003')).length, 2, "this pause's report, beside the earlier pause's");
    assert.deepEqual(await h.knex('intents').select('id'), [], 'the dead claim is settled');
    assert.deepEqual(await h.knex('events').where({ agent: '1003', kind: 'reverted' }), [], 'nothing to put back');
    assert.deepEqual(h.sim.actionsOf('QueueStatus').length + h.sim.actionsOf('QueuePause').length, 0, 'nothing asked of Asterisk');
    assert.equal(await run('unpause', '1003'), 'Unpause OK');
  });

  test('the rule ends only the pause that overran: a newer pause of the same agent is left alone', async (t) => {
    if (skip) return t.skip(skip);
    assert.equal(await run('pause', '1004', { reason: 'Banheiro' }), 'Pause OK');
    const old = new Date((await since('1004')) - 5000);
    h.sim.clearActions();
    const answer = await unpause(h.deps as Deps, { agent: '1004', source: 'policy', only: { since: old } });
    assert.equal(messageOf(answer), 'Agent alredy available');
    assert.equal(h.sim.actionsOf('QueuePause').length, 0);
    assert.equal(await run('unpause', '1004'), 'Unpause OK');
  });

  test("a host whose clock is two hours ahead judges by the database's: a pause begun now is not overdue", async (t) => {
    if (skip) return t.skip(skip);
    const reported = (await overdueEvents('1002')).length;
    assert.equal(await run('pause', '1002', { reason: 'Almoco' }), 'Pause OK');
    // the production clock (no test clock), on a host whose wall clock is wrong
    // what it logs: a look that failed under the wrong clock would only be logged, never thrown
    const logged: Array<{ level: number; msg: string }> = [];
    const policy = new PausePolicy({ ...(h.deps as Deps), log: pino({ level: 'info' }, { write: (l: string) => void logged.push(JSON.parse(l)) }) });
    mock.timers.enable({ apis: ['Date'], now: Date.now() + 120 * MIN });
    try {
      policy.request();
      await policy.idle();
    } finally {
      mock.timers.reset();
      policy.stop();
    }
    assert.deepEqual(logged.filter((l) => l.level >= 40), [], 'the look ran to its end');
    assert.equal((await overdueEvents('1002')).length, reported, 'an hour-long limit, a pause of a few milliseconds: nothing');
    assert.deepEqual(await listed('1002'), ['1002', 'Almoco', 60, false]);
    assert.equal(await run('unpause', '1002'), 'Unpause OK');
  });
});

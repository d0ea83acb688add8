import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { messageOf } from '../../src/commands/outcomes.js';
import { phoneBy } from '../../src/commands/input.js';
import { runCommand } from '../../src/commands/run.js';
import { Keeper } from '../../src/sync/keeper.js';
import { PendingPauses } from '../../src/sync/pending.js';
import { type Harness, type Instance, provisionMany, startHarness, startInstance, until, HTTP_BY } from '../support/harness.js';

// A floor per queue (CONTRACT §10, docs/pauses.md): agents 5001… on extensions 3001… in `support`.
let h: Harness;
let other: Instance | undefined;
const jobs: Array<{ stop(): void; idle(): Promise<void> }> = [];
let skip: string | false = false;
let agents: Array<{ agent: string; exten: string }> = [];

before(async () => {
  h = await startHarness();
  if (!h.db.server || !h.db.url) {
    skip = 'two instances need a Postgres server';
    return;
  }
  other = await startInstance(h.db.url, h.sim.port);
  for (const deps of [h.deps, other.deps]) {
    const keeper = new Keeper(deps, { reconcileMs: 0 });
    keeper.attach();
    jobs.push(keeper);
  }
  agents = await provisionMany(h.knex, 8);
});
after(async () => {
  for (const j of jobs) j.stop();
  await Promise.all(jobs.map((j) => j.idle()));
  await other?.close();
  await h.close();
});

const http = async (params: Record<string, string>): Promise<unknown> =>
  (await h.http.inject({ method: 'GET', url: `/api/agent.php?${new URLSearchParams(params)}`, remoteAddress: '127.0.0.1' })).json();
const floor = (n: number | null) => h.knex('queues').where({ name: 'support' }).update({ min_available: n });
const available = async () => (await h.knex('session_queues').where({ queue: 'support', paused: false }).pluck('agent')).sort();
const pausedInAsterisk = () => h.sim.members().filter((m) => m.queue === 'support' && m.paused).length;
async function state(agent: string): Promise<{ state: string; pending_pause: unknown; reason: string | null }> {
  return (await http({ command: 'status', agent })) as { state: string; pending_pause: unknown; reason: string | null };
}
async function loginAll(list: Array<{ agent: string; exten: string }>): Promise<void> {
  for (const a of list) assert.equal(messageOf(await runCommand(h.deps, { command: 'login', agent: a.agent, exten: a.exten, queue: 'support' }, HTTP_BY)), 'Login OK');
}
async function logoffAll(): Promise<void> {
  for (const a of agents) await runCommand(h.deps, { command: 'logoff', agent: a.agent }, HTTP_BY);
  await h.knex('pending_pauses').delete();
}

describe('a floor per queue', () => {
  test('six agents racing to pause under a floor of two, over HTTP and the phone on two instances: exactly four pause, every round', async (t) => {
    if (skip || !other) return t.skip(skip || '');
    const six = agents.slice(0, 6);
    await loginAll(six);
    await floor(2);
    const tally = { ok: 0, refused: 0 };
    for (let round = 0; round < 5; round++) {
      const answers = await Promise.all(
        six.map((a, i) => {
          const reason = 'Almoco';
          if (i % 3 === 0) return http({ command: 'pause', agent: a.agent, reason }).then((b) => JSON.stringify(b));
          const deps = i % 3 === 1 ? other!.deps : h.deps;
          return runCommand(deps, { command: 'pause', agent: a.agent, reason }, i % 2 ? phoneBy(a.exten) : HTTP_BY).then((o) => JSON.stringify({ [o.kind.endsWith('Ok') ? 'success' : 'error']: messageOf(o) }));
        }),
      );
      const ok = answers.filter((a) => a === '{"success":"Pause OK"}').length;
      const refused = answers.filter((a) => a === '{"error":"Pause not allowed now"}').length;
      assert.deepEqual([ok, refused], [4, 2], `round ${round}: ${answers.join(' ')}`);
      assert.equal((await available()).length, 2, 'the record keeps two available');
      assert.equal(pausedInAsterisk(), 4, 'and so does Asterisk');
      tally.ok += ok;
      tally.refused += refused;
      for (const a of six) await runCommand(i2(a), { command: 'unpause', agent: a.agent }, HTTP_BY);
    }
    t.diagnostic(`5 rounds × 6 racing pauses, floor 2: ${tally.ok} Pause OK, ${tally.refused} Pause not allowed now`);
    // a supervisor's key and a log off are never refused
    await floor(6);
    const sup = await http({ command: 'pause', agent: six[0]!.agent, reason: 'Almoco', token: 'tok-123' });
    assert.deepEqual(sup, { success: 'Pause OK' }, 'an admin key pauses under any floor');
    await floor(null);
    await logoffAll();
  });

  test('a queued pause starts by itself within a second, whichever change makes room: an unpause elsewhere, a phone login, Asterisk', async (t) => {
    if (skip || !other) return t.skip(skip || '');
    const [a, b, c, d] = agents as [typeof agents[0], typeof agents[0], typeof agents[0], typeof agents[0]];
    const pending = new PendingPauses(h.deps);
    jobs.push(pending);
    pending.start();
    await floor(1);
    await loginAll([a, b]);
    assert.deepEqual(await http({ command: 'pause', agent: a.agent, reason: 'Almoco' }), { success: 'Pause OK' });
    assert.deepEqual(await http({ command: 'pause', agent: b.agent, reason: 'Banheiro' }), { error: 'Pause not allowed now' });
    assert.deepEqual(await http({ command: 'pause', agent: b.agent, reason: 'Banheiro', wait: '1' }), { success: 'Pause queued' });
    const queued = await state(b.agent);
    assert.equal(queued.state, 'available');
    assert.deepEqual(Object.keys(queued.pending_pause as object).sort(), ['approval', 'reason', 'since']);
    assert.equal((queued.pending_pause as { reason: string }).reason, 'Banheiro');
    const list = (await h.http.inject({ method: 'GET', url: '/api/agents' })).json() as { agents: Array<{ agent: string; pending_pause: unknown }> };
    assert.deepEqual(list.agents.find((x) => x.agent === b.agent)?.pending_pause, queued.pending_pause, '/api/agents carries it too');
    assert.ok(list.agents.filter((x) => x.agent !== b.agent).every((x) => !('pending_pause' in x)), 'and only where one waits');

    // 1. an unpause on the other instance
    let t0 = performance.now();
    assert.equal(messageOf(await runCommand(other.deps, { command: 'unpause', agent: a.agent }, HTTP_BY)), 'Unpause OK');
    await until(async () => (await state(b.agent)).state === 'paused', 'the queued pause began');
    const afterUnpause = performance.now() - t0;
    const began = await h.knex('events').where({ agent: b.agent, kind: 'pause' }).orderBy('id', 'desc').first();
    assert.deepEqual([began.reason, began.source, began.actor], ['Banheiro', 'http', 'ip:127.0.0.1'], 'as the agent asked it');
    assert.equal((await state(b.agent)).pending_pause, undefined);

    // 2. a phone login: a is the last one available and queues; c logs in from its phone
    assert.deepEqual(await http({ command: 'pause', agent: a.agent, wait: '1' }), { success: 'Pause queued' });
    t0 = performance.now();
    assert.equal(messageOf(await runCommand(h.deps, { command: 'login', agent: c.agent, exten: c.exten, queue: 'support' }, phoneBy(c.exten))), 'Login OK');
    await until(async () => (await state(a.agent)).state === 'paused', 'the queued pause began after a login');
    const afterLogin = performance.now() - t0;

    // 3. Asterisk's own unpause (a console, another tool): c is last, queues; Asterisk unpauses b
    assert.deepEqual(await http({ command: 'pause', agent: c.agent, reason: 'Almoco', wait: '1' }), { success: 'Pause queued' });
    t0 = performance.now();
    assert.ok(h.sim.externalPause(`PJSIP/${b.exten}`, false));
    await until(async () => (await state(c.agent)).state === 'paused', 'the queued pause began after Asterisk unpaused another');
    const afterPbx = performance.now() - t0;
    t.diagnostic(`queued pause began after: unpause ${afterUnpause.toFixed(0)} ms, login ${afterLogin.toFixed(0)} ms, Asterisk ${afterPbx.toFixed(0)} ms`);
    for (const ms of [afterUnpause, afterLogin, afterPbx]) assert.ok(ms < 1000, `within a second (${ms.toFixed(0)} ms)`);

    // first come first served: b and d available, two queue under a floor of two, then one slot opens
    await loginAll([d]);
    await floor(2);
    assert.deepEqual(await http({ command: 'pause', agent: d.agent, wait: '1' }), { success: 'Pause queued' });
    assert.deepEqual(await http({ command: 'pause', agent: b.agent, wait: '1' }), { success: 'Pause queued' });
    await floor(1);
    await until(async () => (await state(d.agent)).state === 'paused', 'the first queued took the slot');
    await pending.idle();
    assert.equal((await state(b.agent)).state, 'available', 'the second still waits');
    assert.notEqual((await state(b.agent)).pending_pause, undefined);

    // cancelled by its unpause: nothing asked of Asterisk, the record says so
    const before = h.sim.actionsOf('QueuePause').length;
    assert.deepEqual(await http({ command: 'unpause', agent: b.agent }), { success: 'Unpause OK' });
    assert.equal((await state(b.agent)).pending_pause, undefined);
    assert.equal(h.sim.actionsOf('QueuePause').length, before);
    const kinds = await h.knex('events').where({ agent: b.agent }).whereIn('kind', ['pause_queued', 'pause_cancelled']).orderBy('id').pluck('kind');
    assert.deepEqual(kinds.slice(-2), ['pause_queued', 'pause_cancelled']);
    // and a new pause no longer waits behind anyone
    assert.deepEqual(await http({ command: 'unpause', agent: a.agent }), { success: 'Unpause OK' });
    assert.deepEqual(await http({ command: 'pause', agent: a.agent }), { success: 'Pause OK' });
    await floor(null);
    await logoffAll();
  });
});

function i2(a: { agent: string }) {
  return Number(a.agent) % 2 ? h.deps : other!.deps;
}

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { messageOf } from '../../src/commands/outcomes.js';
import { runCommand } from '../../src/commands/run.js';
import { Keeper } from '../../src/sync/keeper.js';
import { type Harness, divergence, eventsExplainState, lampDivergence, nextConnect, provisionMany, startHarness, HTTP_BY } from '../support/harness.js';

let h: Harness;
let keeper: Keeper;
before(async () => {
  h = await startHarness({ timeoutMs: 150 });
  keeper = new Keeper(h.deps, { retryMs: 30 });
  keeper.attach();
});
after(async () => {
  keeper.stop();
  await h.close();
});

/** A seeded generator, so a failure can be replayed. */
function rng(seed: number) {
  return () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

test('randomized soak: 1,000 commands with faults end with zero divergence and an event for every transition', async () => {
  const seed = Number(process.env.SOAK_SEED ?? 20261124);
  const rand = rng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const agents = await provisionMany(h.knex, 20);
  const answers = new Map<string, number>();
  const deadline = Date.now() + 60_000;

  let sent = 0;
  const worker = async () => {
    while (sent < 1000 && Date.now() < deadline) {
      sent += 1;
      const a = pick(agents);
      const command = pick(['login', 'login', 'logoff', 'pause', 'pause', 'unpause', 'status']);
      const raw = { command, agent: a.agent, exten: a.exten, queue: pick(['support', 'sales']), reason: pick(['Almoco', 'Banheiro', '', 'Reunião']) };
      const answer = messageOf(await runCommand(h.deps, raw, HTTP_BY));
      answers.set(answer, (answers.get(answer) ?? 0) + 1);
      // as a client would: wait a moment while Asterisk is away
      if (answer === 'PBX unavailable') await sleep(10);
      if (sent % 25 === 0) await fault();
    }
  };
  const fault = async () => {
    const a = pick(agents);
    const iface = `PJSIP/${a.exten}`;
    switch (pick(['drop', 'silent', 'refuse', 'external-pause', 'external-remove', 'restart', 'none'])) {
      case 'drop':
        h.sim.dropNextAction();
        break;
      case 'silent':
        h.sim.mode = 'silent';
        await sleep(200);
        h.sim.mode = 'normal';
        break;
      case 'refuse':
        h.sim.mode = 'refuse';
        await sleep(20);
        h.sim.mode = 'normal';
        break;
      case 'external-pause':
        h.sim.externalPause(iface, rand() < 0.5, 'Supervisor');
        break;
      case 'external-remove':
        h.sim.externalRemove(pick(['support', 'sales']), iface);
        break;
      case 'restart':
        await h.sim.restart();
        break;
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));

  h.sim.mode = 'normal';
  if (!h.pbx.isConnected()) await nextConnect(h.pbx);
  // Settle: the last faults' resyncs, then one more that must find nothing to do.
  let diff = await divergence(h.knex, h.sim);
  for (let i = 0; i < 500 && (diff.onlyInAsterisk.length || diff.onlyInDatabase.length); i++) {
    keeper.request();
    await keeper.idle();
    await sleep(20);
    diff = await divergence(h.knex, h.sim);
  }
  assert.ok(sent >= 1000, `sent ${sent} commands within the bound`);
  assert.deepEqual(diff, { onlyInAsterisk: [], onlyInDatabase: [] }, `seed ${seed}: Asterisk and the database agree`);
  assert.deepEqual(await eventsExplainState(h.knex), [], `seed ${seed}: the events explain the state`);
  // Lamps lost on the way (a dropped connection, Asterisk restarted) are the reconcile's to put right.
  keeper.request('reconcile');
  await keeper.idle();
  assert.deepEqual(await lampDivergence(h.knex, h.sim), [], `seed ${seed}: every phone lamp says what the record says`);
  assert.ok((answers.get('Login OK') ?? 0) > 20 && (answers.get('Pause OK') ?? 0) > 5, `enough real transitions: ${JSON.stringify([...answers])}`);
});

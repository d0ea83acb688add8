import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { type TestContext, after, before, test } from 'node:test';
import type { SimAsterisk } from '../support/asterisk.js';
import type { TestDb } from '../support/db.js';
import { divergence, until } from '../support/harness.js';
import { BASE_YAML } from '../support/paths.js';
import { type ProcessRig, startProcessRig } from '../support/process-rig.js';
import { type Served, command, ready, serve, stopServed } from '../support/service.js';

// kill -9 while Asterisk has applied a login whose answer has not reached the service, then a
// restart at once: the new process must see that the intent's holder (and the resync lease's) is
// gone and settle at once, not wait out the dead process's deadline (AMI_TIMEOUT_MS per action
// + 1 s) or its lease (10 s).

// The bound is counted from the moment the new process has its database open: loading the code and
// connecting wait on nothing this test is about and, on a loaded 2-core machine, take from 0.5 s to
// over 3 s by themselves (the message says where the time went). What is bounded is what the fix is
// about: taking over from the dead process instead of waiting out its deadline (11 s) or lease (10 s).
const BOUND_MS = 2000;

let rig: ProcessRig;
let db: TestDb;
let sim: SimAsterisk;
before(async () => {
  rig = await startProcessRig(BASE_YAML, 'takeover-secret');
  ({ db, sim } = rig);
});
after(() => rig.close());

/** The process's environment: the default AMI timeout, so the dead claim's deadline is 11 s away. */
const env = (extra: Record<string, string> = {}) => ({ ...rig.env(db.url as string), AMI_TIMEOUT_MS: '5000', ...extra });

/** What a user sees agrees: Asterisk has no member, status says logged off, nothing is in doubt. */
async function agree(base: string, agent: string): Promise<boolean> {
  const d = await divergence(db.knex, sim);
  if (d.onlyInAsterisk.length || d.onlyInDatabase.length || (await db.knex('intents').first())) return false;
  const res = await fetch(`${base}/api/agent.php?command=status&agent=${agent}`).catch(() => undefined);
  return res?.status === 200 && ((await res.json()) as { state?: string }).state === 'logged_off';
}

interface Measured {
  ms: number;
  /** From the spawn to its `database opened` line. */
  startingMs: number;
  svc: Served;
  /** When the new process logged what, in ms from its spawn: where the time went. */
  steps: string;
}

/** Restarts at once and measures from the spawn to agreement; the bound is checked by the caller. */
async function restartAndMeasure(agent: string): Promise<Measured> {
  const spawned = Date.now();
  const t0 = performance.now();
  const svc = await serve(env({ RECONCILE_INTERVAL_S: '2' }));
  const lines = () => svc.logs.map((l) => JSON.parse(l) as { time: number; msg: string });
  const steps = () =>
    lines()
      .filter((l) => /database opened|took over|ami connected|resync done|in-doubt|listening$/.test(l.msg))
      .map((l) => `${l.msg} ${l.time - spawned}`)
      .join(', ');
  // polled every 20 ms; the backstop only ends a hang, the bound is asserted on the measure
  for (;;) {
    if (await agree(svc.base, agent)) {
      const ms = performance.now() - t0;
      const up = lines().find((l) => l.msg.startsWith('database opened'));
      return { ms, startingMs: up ? up.time - spawned : 0, svc, steps: steps() };
    }
    if (performance.now() - t0 > 30_000) throw new Error(`no agreement 30 s after the restart\n${svc.logs.join('\n')}`);
    await sleep(20);
  }
}

/** Returns the dead process's holder name. */
async function loginKilledWithAnswerHeld(agent: string, exten: string, opts: { leaseToo: boolean }): Promise<string> {
  const first = await serve(env({ RECONCILE_INTERVAL_S: opts.leaseToo ? '1' : '60' }));
  await ready(first.base);
  const held = rig.ami.hold('toClient', 'Added interface to queue');
  const answer = command(first.base, { command: 'login', agent, exten, queue: 'support' }).catch(() => 'no answer');
  await held;
  assert.ok(sim.members().some((m) => m.interface === `PJSIP/${exten}`), 'Asterisk applied the login');
  const intent = await db.knex('intents').where({ agent }).first();
  assert.ok(intent, 'the login is in doubt');
  if (opts.leaseToo) {
    // the next reconcile takes the lease and waits, like the login, for Asterisk's held answers
    await until(async () => (await db.knex('resync_lease').first())?.holder === intent.holder, 'the dead-to-be process holds the resync lease');
  }
  await stopServed(first, 'SIGKILL');
  assert.equal(await answer, 'no answer');
  rig.ami.releaseAll(); // towards a dead process: nobody reads it
  return intent.holder as string;
}

const uncounted = (m: Measured) => m.startingMs;
const report = (m: Measured) =>
  `agreement ${Math.round(m.ms)} ms after the restart, ${Math.round(uncounted(m))} ms of loading and connecting not counted (ms from the spawn: ${m.steps})`;

async function checkSettled(agent: string, dead: string, measured: Measured): Promise<void> {
  const { svc } = measured;
  try {
    assert.ok(measured.ms - uncounted(measured) <= BOUND_MS, `${report(measured)}; bound ${BOUND_MS} ms\n${svc.logs.join('\n')}`);
    assert.deepEqual(sim.members(), []);
    const rows = await db.knex('events').where({ agent });
    assert.deepEqual(rows.map((r) => [r.kind, JSON.parse(r.detail).did]), [['reverted', ['QueueRemove support']]]);
    assert.notEqual((await db.knex('resync_lease').first())?.holder, dead, 'the lease is not left to the dead process');
    assert.equal(await db.knex('holders').where({ holder: dead }).first(), undefined, 'the dead process is no longer a holder');
  } finally {
    await stopServed(svc, 'SIGKILL');
  }
}

/** The whole case: the crash, the restart at once, and what a user then sees. */
async function crashAndRestart(t: TestContext, agent: string, exten: string, opts: { leaseToo: boolean }): Promise<void> {
  if (!db.server || !db.url) return t.skip('needs a Postgres server');
  const dead = await loginKilledWithAnswerHeld(agent, exten, opts);
  const measured = await restartAndMeasure(agent);
  t.diagnostic(report(measured));
  await checkSettled(agent, dead, measured);
}

test('killed while Asterisk holds the answer to a login it applied, restarted at once: the record and Asterisk agree within 2 s of the restart', (t) =>
  crashAndRestart(t, '1001', '2001', { leaseToo: false }));

test('the same while the dead process held the resync lease: agreement within 2 s of the restart', (t) => crashAndRestart(t, '1003', '2004', { leaseToo: true }));

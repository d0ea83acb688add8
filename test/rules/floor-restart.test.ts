import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { SimAsterisk } from '../support/asterisk.js';
import type { TestDb } from '../support/db.js';
import { until } from '../support/harness.js';
import { BASE_YAML } from '../support/paths.js';
import { type ProcessRig, startProcessRig } from '../support/process-rig.js';
import { command, ready, serve, stopServed } from '../support/service.js';

// kill -9 of the real process with pauses waiting: they are in Postgres, not in the process, so the
// next process takes the queued pause when room is made and denies the request whose time ran out.

let rig: ProcessRig;
let db: TestDb;
let sim: SimAsterisk;
let env: ProcessRig['env'];
before(async () => {
  rig = await startProcessRig(BASE_YAML, 'floor-restart-secret');
  ({ db, sim, env } = rig);
});
after(() => rig.close());

test('killed with a pause queued and one asking for a yes: the next process carries on with both', async (t) => {
  if (!db.server || !db.url) return t.skip('needs a Postgres server');
  await db.knex('queues').where({ name: 'support' }).update({ min_available: 1 });
  await db.knex('pause_reasons').insert({ code: 8, name: 'Curso', approval: true, approval_timeout_s: 2 });
  const first = await serve(env(db.url));
  await ready(first.base);
  assert.equal(await command(first.base, { command: 'login', agent: '1001', exten: '2001', queue: 'support' }), 'Login OK');
  assert.equal(await command(first.base, { command: 'login', agent: '1002', exten: '2002', queue: 'support' }), 'Login OK');
  assert.equal(await command(first.base, { command: 'login', agent: '1004', exten: '2004', queue: 'sales' }), 'Login OK');
  assert.equal(await command(first.base, { command: 'pause', agent: '1001', reason: 'Almoco' }), 'Pause OK');
  assert.equal(await command(first.base, { command: 'pause', agent: '1002', reason: 'Banheiro', wait: '1' }), 'Pause queued');
  assert.equal(await command(first.base, { command: 'pause', agent: '1004', reason: 'Curso' }), 'Pause requested');
  await stopServed(first, 'SIGKILL');

  const second = await serve(env(db.url));
  try {
    await ready(second.base);
    const queued = await db.knex('pending_pauses').orderBy('agent').pluck('agent');
    assert.ok(queued.includes('1002'), 'the queued pause outlived the process');
    const t0 = performance.now();
    assert.equal(await command(second.base, { command: 'unpause', agent: '1001' }), 'Unpause OK');
    await until(async () => (await db.knex('session_queues').where({ agent: '1002', queue: 'support' }).first())?.paused === true, 'the queued pause began');
    const ms = performance.now() - t0;
    t.diagnostic(`queued pause began ${ms.toFixed(0)} ms after the unpause, on the process that replaced the killed one`);
    assert.ok(ms < 1000, `within a second (${ms.toFixed(0)} ms)`);
    assert.ok(sim.members().some((m) => m.interface === 'SIP/2002' && m.paused && m.reason === 'Banheiro'), 'Asterisk has it');
    const began = await db.knex('events').where({ agent: '1002', kind: 'pause' }).orderBy('id', 'desc').first();
    assert.deepEqual([began.reason, began.actor], ['Banheiro', 'ip:127.0.0.1']);
    await until(async () => (await db.knex('events').where({ agent: '1004', kind: 'pause_denied' }).first()) !== undefined, 'the request timed out');
    assert.equal((await db.knex('events').where({ agent: '1004', kind: 'pause_denied' }).first()).actor, 'policy');
    assert.equal(await db.knex('pending_pauses').first(), undefined);
  } finally {
    await stopServed(second, 'SIGKILL');
  }
});

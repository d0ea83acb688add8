import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { SimAsterisk } from '../support/asterisk.js';
import type { TestDb } from '../support/db.js';
import { lampDivergence, until } from '../support/harness.js';
import { BASE_YAML } from '../support/paths.js';
import { type ProcessRig, startProcessRig } from '../support/process-rig.js';
import type { TcpProxy } from '../support/proxy.js';
import { command, ready, serve, stopServed } from '../support/service.js';

// The real process: the lamps it sets at start, a command that answers while its lamp is stuck on
// the way, and a process killed before its lamp reached Asterisk, whose successor sets it.

let rig: ProcessRig;
let db: TestDb;
let sim: SimAsterisk;
let ami: TcpProxy;
let env: ProcessRig['env'];
before(async () => {
  rig = await startProcessRig(BASE_YAML, 'lamp-secret');
  ({ db, sim, ami, env } = rig);
});
after(() => rig.close());

const lamp = (exten: string) => sim.deviceState(`Custom:agentgate-${exten}`);

test('lamps from start-up; a command answers while its lamp is held up; kill -9 before it arrived: the next process sets it', async (t) => {
  if (!db.server || !db.url) return t.skip('needs a Postgres server');
  const first = await serve(env(db.url));
  try {
    await ready(first.base);
    await until(() => lamp('2001') === 'UNAVAILABLE' && lamp('2009') === 'UNAVAILABLE', 'the start-up resync set the lamps');
    assert.deepEqual(await lampDivergence(db.knex, sim), []);
    assert.equal(await command(first.base, { command: 'login', agent: '1001', exten: '2001', queue: 'support' }), 'Login OK');
    await until(() => lamp('2001') === 'NOT_INUSE', 'the login lamp');

    const held = ami.hold('toServer', 'Action: Setvar');
    assert.equal(await command(first.base, { command: 'pause', agent: '1001', reason: 'Almoco' }), 'Pause OK', 'answered without the lamp');
    await held;
    assert.equal(lamp('2001'), 'NOT_INUSE', 'the lamp has not reached Asterisk');
  } finally {
    await stopServed(first, 'SIGKILL');
  }

  const second = await serve(env(db.url));
  try {
    await until(() => lamp('2001') === 'INUSE', 'the next process set the lamp from the record', 60_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${second.logs.join('\n')}`);
    });
    const report = async () => ((await (await fetch(`${second.base}/readyz`)).json()) as { resync: { lamps?: number } }).resync;
    await until(async () => (await report()).lamps !== undefined, 'the start-up resync reported');
    assert.equal((await report()).lamps, 1, 'the resync report counts it');
    assert.deepEqual(await lampDivergence(db.knex, sim), []);
  } finally {
    await stopServed(second, 'SIGTERM');
  }
});

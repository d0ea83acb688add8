import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PROMPTS } from '../../src/agi/prompts.js';
import { Keeper } from '../../src/sync/keeper.js';
import { type AgiCallOptions, type AgiCallRecord, callAgi, digitPrompts as digits } from '../support/agi-caller.js';
import { type Harness, amiBarrier, changesNothingIn, events, startHarness, until } from '../support/harness.js';
import { startPhoneServer } from '../support/phone-server.js';
import { call } from '../http/call.js';

let h: Harness;
let port: number;
let server: Awaited<ReturnType<typeof startPhoneServer>>;
let keeper: Keeper;

before(async () => {
  h = await startHarness();
  // Asterisk's events are applied (a supervisor's pause below), as in the service.
  keeper = new Keeper(h.deps, { reconcileMs: 0 });
  keeper.attach();
  server = await startPhoneServer(h.deps);
  port = server.port;
});
after(async () => {
  keeper.stop();
  await keeper.idle();
  await server.close();
  await h.close();
});

/** The lamp key pressed: Asterisk runs `*55` (`toggle`) or `*55<exten>` (`toggle?exten=<exten>`) for the caller. */
const press = (opts: AgiCallOptions): Promise<AgiCallRecord> => callAgi(port, { language: 'en', extension: '*55', ...opts });
const p = (name: keyof typeof PROMPTS) => PROMPTS[name];
const result = (rec: AgiCallRecord) => [rec.variablesSet.AGENTGATE_RESULT, rec.variablesSet.AGENTGATE_MESSAGE];
const lamp = (exten: string) => h.sim.deviceState(`Custom:agentgate-${exten}`);
const api = (params: Record<string, string>) => call(h.http, 'GET', params);

describe('*55 on the caller’s own extension toggles', () => {
  test('logged off: the login flow of *50 (agent number, queue), then the lamp shows available', async () => {
    const rec = await press({ script: 'toggle', callerId: '2002', dtmf: ['1002', '300'] });
    assert.deepEqual(rec.played, [p('enterAgent'), p('enterQueue'), p('loginOk')]);
    assert.deepEqual(result(rec), ['success', 'Login OK']);
    assert.deepEqual((await events(h.knex, '1002')).at(-1), { agent: '1002', exten: '2002', queue: 'sales', kind: 'login', reason: null, source: 'phone' });
    await until(() => lamp('2002') === 'NOT_INUSE', 'the lamp of 2002 available');
  });

  test('available: pauses, asking the reason code as *51 does; the lamp shows paused', async () => {
    const rec = await press({ script: 'toggle', callerId: '2002', dtmf: ['2'] });
    assert.deepEqual(rec.played, [p('enterReason'), p('pauseOk')]);
    assert.deepEqual(result(rec), ['success', 'Pause OK']);
    assert.equal(h.sim.actionsOf('QueuePause').at(-1)?.Reason, 'Banheiro');
    assert.deepEqual((await events(h.knex, '1002')).at(-1), { agent: '1002', exten: '2002', queue: null, kind: 'pause', reason: 'Banheiro', source: 'phone' });
    await until(() => lamp('2002') === 'INUSE', 'the lamp of 2002 paused');
  });

  test('paused: *55<own extension> unpauses; the lamp shows available again', async () => {
    const rec = await press({ script: 'toggle?exten=2002', callerId: '2002', extension: '*552002' });
    assert.deepEqual(rec.played, [p('unpauseOk')]);
    assert.deepEqual(result(rec), ['success', 'Unpause OK']);
    assert.deepEqual((await events(h.knex, '1002')).at(-1)?.kind, 'unpause');
    await until(() => lamp('2002') === 'NOT_INUSE', 'the lamp of 2002 available');
  });

  test('paused in some queues only (a supervisor): the agent is available, so the key pauses it everywhere', async () => {
    assert.deepEqual((await api({ command: 'login', agent: '1003', exten: '2003', queue: 'support' })).body, { success: 'Login OK' });
    assert.deepEqual((await api({ command: 'login', agent: '1003', exten: '2003', queue: 'sales' })).body, { success: 'Login OK' });
    h.sim.externalPause('Local/2003@from-queue/n', true, 'Supervisor', 'support');
    await until(() => lamp('2003') === 'ONHOLD', 'the lamp of a pause in one queue');
    assert.equal((await api({ command: 'status', agent: '1003' })).body.state, 'available');
    const rec = await press({ script: 'toggle', callerId: '2003', dtmf: [''] });
    assert.deepEqual(rec.played, [p('enterReason'), p('pauseOk')]);
    assert.deepEqual((await api({ command: 'status', agent: '1003' })).body.paused_queues, ['sales', 'support']);
    await until(() => lamp('2003') === 'INUSE', 'the lamp of a pause everywhere');
  });
});

describe('*55<another extension>: a supervisor’s key says that extension’s state and changes nothing', () => {
  test('paused: the extension, then “paused” and the reason code', async () => {
    assert.deepEqual((await api({ command: 'pause', agent: '1002', reason: 'Almoco' })).body, { success: 'Pause OK' });
    await amiBarrier(h);
    const rec = await changesNothingIn(h, () => press({ script: 'toggle?exten=2002', callerId: '2004', extension: '*552002' }));
    assert.deepEqual(rec.played, [p('extension'), ...digits('2002'), p('agentPaused'), p('reasonCode'), p('digit1')]);
    assert.deepEqual(rec.digitsSaid, []);
    assert.deepEqual(result(rec), ['success', 'Status OK']);
  });

  test('available', async () => {
    assert.deepEqual((await api({ command: 'unpause', agent: '1002' })).body, { success: 'Unpause OK' });
    await amiBarrier(h);
    const rec = await changesNothingIn(h, () => press({ script: 'toggle?exten=2002', callerId: '2004', extension: '*552002' }));
    assert.deepEqual(rec.played, [p('extension'), ...digits('2002'), p('agentAvailable')]);
  });

  test('nobody logged in there: Agent not logged', async () => {
    const rec = await changesNothingIn(h, () => press({ script: 'toggle?exten=2009', callerId: '2004', extension: '*552009' }));
    assert.deepEqual(rec.played, [p('extension'), ...digits('2009'), p('agentNotLogged')]);
    assert.deepEqual(result(rec), ['error', 'Agent not logged']);
  });

  test('silent (an IVR): nothing is played, the variables still say the state', async () => {
    const rec = await press({ script: 'toggle?exten=2002&silent', callerId: '2004' });
    assert.deepEqual([rec.played, rec.digitsSaid], [[], []]);
    assert.deepEqual(result(rec), ['success', 'Status OK']);
  });

  test('an extension that is not digits is refused', async () => {
    const rec = await changesNothingIn(h, () => press({ script: 'toggle?exten=20a2', callerId: '2004' }));
    assert.deepEqual(result(rec), ['error', 'Argument list invalid']);
    assert.deepEqual(rec.played, [p('argumentInvalid')]);
  });
});

import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { messageOf } from '../../src/commands/outcomes.js';
import { runCommand } from '../../src/commands/run.js';
import { Lamps } from '../../src/lamps/lamps.js';
import { lampAfter } from '../../src/lamps/state.js';
import { Keeper } from '../../src/sync/keeper.js';
import { type Harness, amiBarrier, nextConnect, startHarness, until, HTTP_BY } from '../support/harness.js';
import { call } from '../http/call.js';

let h: Harness;
let keeper: Keeper;

before(async () => {
  h = await startHarness();
  // Resync on every reconnect and member events applied, as the service does; reconciles on demand.
  keeper = new Keeper(h.deps, { reconcileMs: 0, retryMs: 30 });
  keeper.attach();
});
after(async () => {
  keeper.stop();
  await keeper.idle();
  await h.close();
});

const EXTENS = ['2001', '2002', '2003', '2004', '2009'];
const device = (exten: string) => `Custom:agentgate-${exten}`;
/** What the phone's key shows: the state Asterisk holds for the lamp's device. */
const lamp = (exten: string) => h.sim.deviceState(device(exten));
const lamps = () => Object.fromEntries(EXTENS.map((x) => [x, lamp(x)]));
/** The values agentgate has set the lamp to, in order (every Setvar of it Asterisk received). */
const sets = (exten: string) => h.sim.actionsOf('Setvar').filter((a) => a.Variable === `DEVICE_STATE(${device(exten)})`).map((a) => a.Value);
const api = (params: Record<string, string>) => call(h.http, 'GET', params);

/** Runs `fn`, waits for the `n` lamp sets it causes on `exten`, and returns them. */
async function lampSetsOf(exten: string, n: number, fn: () => Promise<unknown>): Promise<Array<string | undefined>> {
  const before = sets(exten).length;
  await fn();
  await until(() => sets(exten).length >= before + n, `${n} lamp set(s) of ${exten}`);
  return sets(exten).slice(before);
}

async function resynced(job: 'resync' | 'reconcile'): Promise<void> {
  keeper.request(job);
  await keeper.idle();
}

describe('the lamp of an extension follows its agent, whatever changed it', () => {
  test('start-up: every extension is set from the record, dark where nobody is logged in (a fresh Asterisk shows them Idle)', async () => {
    assert.deepEqual(lamps(), { 2001: 'UNKNOWN', 2002: 'UNKNOWN', 2003: 'UNKNOWN', 2004: 'UNKNOWN', 2009: 'UNKNOWN' });
    await resynced('resync');
    assert.deepEqual(lamps(), { 2001: 'UNAVAILABLE', 2002: 'UNAVAILABLE', 2003: 'UNAVAILABLE', 2004: 'UNAVAILABLE', 2009: 'UNAVAILABLE' });
    assert.equal(keeper.last?.lamps, 5);
  });

  test('HTTP login, pause, unpause, logoff: available, paused, available, dark', async () => {
    const seen = [
      ...(await lampSetsOf('2001', 1, () => api({ command: 'login', agent: '1001', exten: '2001', queue: 'support' }))),
      ...(await lampSetsOf('2001', 1, () => api({ command: 'pause', agent: '1001', reason: 'Almoco' }))),
      ...(await lampSetsOf('2001', 1, () => api({ command: 'unpause', agent: '1001' }))),
      ...(await lampSetsOf('2001', 1, () => api({ command: 'logoff', agent: '1001' }))),
    ];
    assert.deepEqual(seen, ['NOT_INUSE', 'INUSE', 'NOT_INUSE', 'UNAVAILABLE']);
    assert.equal(lamp('2001'), 'UNAVAILABLE', 'the extension goes dark');
    const setvar = h.sim.actionsOf('Setvar').at(-1);
    assert.deepEqual(Object.keys(setvar ?? {}).sort(), ['Action', 'ActionID', 'Value', 'Variable'], 'no Channel: a global write');
  });

  test('a command that changes nothing, or that Asterisk refuses, sets no lamp', async () => {
    assert.deepEqual((await api({ command: 'login', agent: '1002', exten: '2002', queue: 'sales' })).body, { success: 'Login OK' });
    await until(() => lamp('2002') === 'NOT_INUSE', 'the login lamp');
    const before = sets('2002').length;
    assert.deepEqual((await api({ command: 'unpause', agent: '1002' })).body, { error: 'Agent alredy available' });
    h.sim.mode = 'refuse';
    try {
      assert.equal((await api({ command: 'pause', agent: '1002' })).status, 502);
    } finally {
      h.sim.mode = 'normal';
    }
    // a later change's lamp is the next one set: nothing came in between
    const next = await lampSetsOf('2002', 1, () => api({ command: 'logoff', agent: '1002' }));
    assert.deepEqual([sets('2002').length - before, next], [1, ['UNAVAILABLE']]);
  });

  test('a pause made in Asterisk (a supervisor): one queue of two is Hold, every queue InUse, taken back Idle', async () => {
    assert.deepEqual((await api({ command: 'login', agent: '1003', exten: '2003', queue: 'support' })).body, { success: 'Login OK' });
    assert.deepEqual((await api({ command: 'login', agent: '1003', exten: '2003', queue: 'sales' })).body, { success: 'Login OK' });
    await until(() => lamp('2003') === 'NOT_INUSE', 'the login lamp');
    const iface = 'Local/2003@from-queue/n';
    assert.deepEqual(await lampSetsOf('2003', 1, async () => h.sim.externalPause(iface, true, 'Supervisor', 'support')), ['ONHOLD']);
    assert.deepEqual((await api({ command: 'status', agent: '1003' })).body.paused_queues, ['support']);
    assert.deepEqual(await lampSetsOf('2003', 1, async () => h.sim.externalPause(iface, true, 'Supervisor', 'sales')), ['INUSE']);
    assert.equal((await api({ command: 'status', agent: '1003' })).body.state, 'paused');
    assert.deepEqual(await lampSetsOf('2003', 2, async () => h.sim.externalPause(iface, false)), ['ONHOLD', 'NOT_INUSE'], 'one event per queue');
    const rows = await h.knex('events').where({ agent: '1003', source: 'pbx' }).count('* as n').first();
    assert.equal(Number(rows?.n), 4, 'the record has them as pbx events');
  });

  test('a member removed in Asterisk: the agent is logged off that queue (the lamp stays); the last one makes the extension dark', async () => {
    const iface = 'Local/2003@from-queue/n';
    const before = sets('2003').length;
    h.sim.externalRemove('sales', iface);
    await until(async () => ((await api({ command: 'status', agent: '1003' })).body.queues as string[]).length === 1, 'the logoff from sales recorded');
    await amiBarrier(h);
    assert.equal(sets('2003').length, before, 'still available: the lamp is not set again');
    assert.deepEqual(await lampSetsOf('2003', 1, async () => h.sim.externalRemove('support', iface)), ['UNAVAILABLE']);
    assert.equal((await api({ command: 'status', agent: '1003' })).body.state, 'logged_off');
  });

  test('reconcile: a lamp changed behind agentgate (CLI devstate change) is set back; the others are only read', async () => {
    assert.deepEqual((await api({ command: 'login', agent: '1004', exten: '2004', queue: 'support' })).body, { success: 'Login OK' });
    assert.deepEqual((await api({ command: 'pause', agent: '1004' })).body, { success: 'Pause OK' });
    await until(() => lamp('2004') === 'INUSE', 'the pause lamp');
    h.sim.setDeviceState(device('2004'), 'NOT_INUSE');
    h.sim.setDeviceState(device('2009'), 'INUSE');
    const setsBefore = h.sim.actionsOf('Setvar').length;
    const getsBefore = h.sim.actionsOf('Getvar').length;
    await resynced('reconcile');
    assert.deepEqual(lamps(), { 2001: 'UNAVAILABLE', 2002: 'UNAVAILABLE', 2003: 'UNAVAILABLE', 2004: 'INUSE', 2009: 'UNAVAILABLE' });
    assert.equal(h.sim.actionsOf('Getvar').length - getsBefore, EXTENS.length, 'every lamp read');
    assert.equal(h.sim.actionsOf('Setvar').length - setsBefore, 2, 'only the two that differed set');
    assert.equal(keeper.last?.lamps, 2);
  });

  test('Asterisk restarted with its astdb: the lamps are right already, and are only read', async () => {
    const setsBefore = h.sim.actionsOf('Setvar').length;
    const up = nextConnect(h.pbx);
    await h.sim.restart();
    await up;
    await until(() => h.sim.members().length === 1, 'the member re-added by the resync');
    await keeper.idle();
    assert.equal(lamp('2004'), 'INUSE');
    assert.equal(h.sim.actionsOf('Setvar').length, setsBefore, 'no lamp set again');
  });

  test('Asterisk restarted with a fresh astdb (a new install): the resync sets every lamp again', async () => {
    const up = nextConnect(h.pbx);
    await h.sim.restart({ freshAstdb: true });
    assert.equal(lamp('2004'), 'UNKNOWN', 'Asterisk lost them');
    const setsBefore = h.sim.actionsOf('Setvar').length;
    await up;
    await until(() => lamp('2004') === 'INUSE' && lamp('2009') === 'UNAVAILABLE', 'the lamps set again');
    await keeper.idle();
    assert.deepEqual(lamps(), { 2001: 'UNAVAILABLE', 2002: 'UNAVAILABLE', 2003: 'UNAVAILABLE', 2004: 'INUSE', 2009: 'UNAVAILABLE' });
    assert.equal(h.sim.actionsOf('Setvar').length - setsBefore, EXTENS.length, 'each set once');
    assert.equal(keeper.last?.lamps, EXTENS.length);
  });

  test('a refused Setvar (the AMI user lacks write = call) fails no command: logged once, set by the next reconcile', async () => {
    const lines: Array<{ msg: string; err?: string; exten?: string }> = [];
    const log = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()) }));
    const deps = { ...h.deps, lamps: new Lamps(h.deps.pbxes, log) };
    h.sim.write = 'agent,system';
    try {
      const refusedBefore = sets('2004').length;
      assert.equal(messageOf(await runCommand(deps, { command: 'unpause', agent: '1004' }, HTTP_BY)), 'Unpause OK');
      assert.equal(messageOf(await runCommand(deps, { command: 'pause', agent: '1004' }, HTTP_BY)), 'Pause OK');
      assert.equal(messageOf(await runCommand(deps, { command: 'unpause', agent: '1004' }, HTTP_BY)), 'Unpause OK');
      await until(() => sets('2004').length === refusedBefore + 3, 'the three Setvars reached Asterisk');
      assert.equal(lamp('2004'), 'INUSE', 'refused: the lamp still shows the pause');
      await until(() => lines.length > 0, 'a warning');
      const warned = lines.filter((l) => l.msg.startsWith('could not set a phone lamp'));
      assert.deepEqual(warned.map((l) => [l.err, l.exten]), [['Permission denied', '2004']], 'once, not at every command');
    } finally {
      h.sim.write = 'all';
    }
    await resynced('reconcile');
    assert.equal(lamp('2004'), 'NOT_INUSE', 'the reconcile repaired it');
    assert.equal((await api({ command: 'status', agent: '1004' })).body.state, 'available');
  });

  test('lamps that disagree while the reconcile cannot set them: the reconcile says so and carries on', async () => {
    h.sim.setDeviceState(device('2009'), 'INUSE');
    h.sim.write = 'agent';
    try {
      await resynced('reconcile');
      assert.equal(keeper.lastError, undefined, 'the reconcile itself did not fail');
      assert.equal(keeper.last?.lamps, 0);
      assert.equal(lamp('2009'), 'INUSE');
    } finally {
      h.sim.write = 'all';
    }
    await resynced('reconcile');
    assert.equal(lamp('2009'), 'UNAVAILABLE');
  });
});

describe('lampAfter: the lamp a settle leaves, from the session the claim read and the change', () => {
  const session = (queues: Array<[string, boolean]>) => ({
    agent: '1001',
    exten: '2001',
    interface: 'PJSIP/2001',
    state_interface: null,
    member_name: 'Maria',
    since: new Date(),
    queues: queues.map(([queue, paused]) => ({ queue, paused, reason: paused ? 'Almoco' : null })),
  });
  const q = (queue: string, paused: boolean) => ({ queue, paused, reason: null });
  test('each kind of change', () => {
    const cases: Array<[ReturnType<typeof session> | undefined, Parameters<typeof lampAfter>[1], string | undefined]> = [
      [undefined, { create: { exten: '2001', interface: 'PJSIP/2001', state_interface: null, member_name: 'M' }, add: [q('support', false)], events: [] }, 'NOT_INUSE'],
      [session([['support', false]]), { add: [q('sales', false)], events: [] }, 'NOT_INUSE'],
      [session([['support', false], ['sales', false]]), { pause: [q('support', true), q('sales', true)], events: [] }, 'INUSE'],
      [session([['support', false], ['sales', false]]), { pause: [q('sales', true)], events: [] }, 'ONHOLD'],
      [session([['support', true], ['sales', true]]), { remove: ['sales'], events: [] }, 'INUSE'],
      [session([['support', true], ['sales', false]]), { remove: ['sales'], events: [] }, 'INUSE'],
      [session([['support', false], ['sales', true]]), { remove: ['support', 'sales'], events: [] }, 'UNAVAILABLE'],
      [undefined, { events: [] }, undefined],
    ];
    for (const [before, change, want] of cases) assert.equal(lampAfter(before, change)?.state, want, JSON.stringify(change));
    assert.equal(lampAfter(session([['support', false]]), { remove: ['support'], events: [] })?.exten, '2001');
  });
});

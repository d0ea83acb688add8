import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { messageOf } from '../../src/commands/outcomes.js';
import { runCommand } from '../../src/commands/run.js';
import { Keeper } from '../../src/sync/keeper.js';
import { type Harness, events, nextConnect, startHarness, until, PHONE_BY } from '../support/harness.js';
import { call } from '../http/call.js';

let h: Harness;
let keeper: Keeper;
before(async () => {
  h = await startHarness({ timeoutMs: 400 });
  keeper = new Keeper(h.deps, { retryMs: 50 });
  keeper.attach();
});
after(async () => {
  keeper.stop();
  await h.close();
});

const api = (params: Record<string, string>) => call(h.http, 'GET', params);
const status = async (agent: string) => (await api({ command: 'status', agent })).body;

function simState() {
  return h.sim
    .members()
    .map((m) => `${m.queue} ${m.interface} ${m.paused ? `paused:${m.reason}` : 'available'}`)
    .sort();
}

async function dbState() {
  const rows = await h.knex('agent_sessions as s').join('session_queues as q', 'q.agent', 's.agent').select('q.queue', 's.interface', 'q.paused', 'q.reason');
  return rows.map((r) => `${r.queue} ${r.interface} ${r.paused ? `paused:${r.reason}` : 'available'}`).sort();
}

describe('staying true to Asterisk', () => {
  test('after an Asterisk restart every logged-in agent is back, the paused ones still paused with their reason', async () => {
    assert.deepEqual((await api({ command: 'login', agent: '1001', exten: '2001', queue: 'support' })).body, { success: 'Login OK' });
    assert.deepEqual((await api({ command: 'login', agent: '1003', exten: '2003', queue: 'sales' })).body, { success: 'Login OK' });
    assert.deepEqual((await api({ command: 'login', agent: '1003', exten: '2003', queue: 'support' })).body, { success: 'Login OK' });
    assert.deepEqual((await api({ command: 'pause', agent: '1003', reason: 'Treinamento' })).body, { success: 'Pause OK' });
    const before = simState();
    const reconnected = nextConnect(h.pbx);
    await h.sim.restart();
    assert.deepEqual(h.sim.members(), [], 'the restart lost every dynamic member');
    await reconnected;
    await until(() => simState().length === before.length, 'members re-added');
    await keeper.idle();
    assert.deepEqual(simState(), before);
    assert.deepEqual(await dbState(), before);
    const rows = (await events(h.knex)).filter((e) => e.source === 'resync');
    assert.deepEqual(
      rows.map((e) => `${e.agent} ${e.kind} ${e.queue}`).sort(),
      ['1001 login support', '1003 login sales', '1003 login support'],
    );
    assert.equal(keeper.last?.readded, 3);
  });

  test('a pause from a supervisor console is reflected in status and in the events (source pbx)', async () => {
    h.sim.externalPause('PJSIP/2001', true, 'Supervisor');
    await until(async () => (await status('1001')).state === 'paused', 'pause applied');
    assert.equal((await status('1001')).reason, 'Supervisor');
    h.sim.externalPause('PJSIP/2001', false);
    await until(async () => (await status('1001')).state === 'available', 'unpause applied');
    const rows = (await events(h.knex, '1001')).filter((e) => e.source === 'pbx');
    assert.deepEqual(rows.map((e) => [e.kind, e.reason]), [['pause', 'Supervisor'], ['unpause', null]]);
  });

  test("agentgate's own actions are not recorded twice by their events", async () => {
    const before = (await events(h.knex, '1001')).length;
    assert.deepEqual((await api({ command: 'pause', agent: '1001', reason: 'Almoco' })).body, { success: 'Pause OK' });
    assert.deepEqual((await api({ command: 'unpause', agent: '1001' })).body, { success: 'Unpause OK' });
    await sleep(100);
    await keeper.idle();
    const rows = (await events(h.knex, '1001')).slice(before);
    assert.deepEqual(rows.map((e) => `${e.kind} ${e.source}`), ['pause http', 'unpause http']);
  });

  test('a removal from the Asterisk CLI logs the agent off that queue', async () => {
    h.sim.externalRemove('sales', 'Local/2003@from-queue/n');
    await until(async () => !((await status('1003')).queues as string[]).includes('sales'), 'removal applied');
    assert.deepEqual((await status('1003')).queues, ['support']);
    h.sim.externalRemove('support', 'Local/2003@from-queue/n');
    await until(async () => (await status('1003')).state === 'logged_off', 'last removal logs off');
    const rows = (await events(h.knex, '1003')).filter((e) => e.source === 'pbx');
    assert.deepEqual(rows.map((e) => `${e.kind} ${e.queue}`), ['logoff sales', 'logoff support']);
  });

  test('members agentgate does not know are left alone and reported', async () => {
    h.sim.externalAdd('support', 'PJSIP/7777', 'Someone else');
    keeper.request();
    await keeper.idle();
    assert.ok(h.sim.members().some((m) => m.interface === 'PJSIP/7777'), 'left alone');
    assert.deepEqual(keeper.last?.unknown, [{ queue: 'support', interface: 'PJSIP/7777', memberName: 'Someone else' }]);
    h.sim.externalRemove('support', 'PJSIP/7777');
  });

  test('while AMI is down commands answer PBX unavailable at once and change nothing', async () => {
    h.sim.mode = 'silent';
    h.sim.dropConnections();
    await until(() => !h.pbx.isConnected(), 'disconnect noticed');
    const sent = h.sim.actionsOf('QueuePause').length;
    const res = await api({ command: 'pause', agent: '1001' });
    assert.deepEqual([res.status, res.body], [503, { error: 'PBX unavailable' }]);
    // refused before sending (an action sent and timed out would stay in doubt): no wait for the AMI timeout
    assert.equal(h.sim.actionsOf('QueuePause').length, sent, 'nothing sent');
    assert.equal(await h.knex('intents').where({ agent: '1001' }).first(), undefined, 'nothing left in doubt');
    assert.equal((await status('1001')).state, 'available');
    const ready = await h.http.inject({ url: '/readyz', remoteAddress: '127.0.0.1' });
    assert.equal(ready.statusCode, 503);
    assert.deepEqual([ready.json().database, ready.json().pbx], ['up', 'down'], '/readyz says which part is down');
    h.sim.mode = 'normal';
    await until(() => h.pbx.isConnected(), 'reconnected');
    assert.equal((await h.http.inject({ url: '/readyz', remoteAddress: '127.0.0.1' })).statusCode, 200);
  });

  test('AMI silent: 503 after AMI_TIMEOUT_MS, and the next resync settles what really happened', async () => {
    h.sim.mode = 'silent';
    const res = await api({ command: 'login', agent: '1004', exten: '2004', queue: 'support' });
    assert.deepEqual([res.status, res.body], [503, { error: 'PBX unavailable' }]);
    assert.equal((await status('1004')).state, 'logged_off', 'nothing recorded');
    h.sim.mode = 'normal';
    // The silent Asterisk did apply the QueueAdd; the caller was told it did not, so resync takes it back.
    await until(() => !h.pbx.isConnected() || h.sim.members().every((m) => m.interface !== 'PJSIP/2004'), 'settled');
    await until(() => h.pbx.isConnected(), 'connected');
    keeper.request();
    await keeper.idle();
    await until(() => h.sim.members().every((m) => m.interface !== 'PJSIP/2004'), 'uncertain member removed');
    assert.deepEqual(simState(), await dbState());
  });

  test('a QueueAdd whose undo fails is settled by resync: no member is left behind', async () => {
    await h.knex('queues').insert({ name: 'vip', number: '900', callcenter: true }); // known here, not to Asterisk
    // From the refused second QueueAdd on, Asterisk refuses everything: the undo of the first fails too.
    const refuseFromVip = (a: Record<string, string>) => {
      if (a.Action === 'QueueAdd' && a.Queue === 'vip') h.sim.mode = 'refuse';
    };
    h.sim.on('action', refuseFromVip);
    const res = await runCommand(h.deps, { command: 'login', agent: '1002', exten: '2002', queues: ['sales', 'vip'] }, PHONE_BY);
    h.sim.off('action', refuseFromVip);
    assert.equal(messageOf(res), 'PBX error: Permission denied');
    assert.ok(h.sim.members().some((m) => m.interface === 'SIP/2002'), 'the undo could not remove it');
    h.sim.mode = 'normal';
    await until(async () => {
      await keeper.idle();
      return !h.sim.members().some((m) => m.interface === 'SIP/2002');
    }, 'resync removed the member nobody is logged in as');
    assert.equal((await status('1002')).state, 'logged_off');
  });

  test('an unanswered pause is put back by resync: the caller was told nothing changed', async () => {
    h.sim.dropNextAction('QueuePause');
    const res = await api({ command: 'pause', agent: '1001', reason: 'Almoco' });
    assert.deepEqual([res.status, res.body], [503, { error: 'PBX unavailable' }]);
    await until(() => h.pbx.isConnected(), 'reconnected');
    await until(async () => {
      await keeper.idle();
      return h.sim.members().filter((m) => m.interface === 'PJSIP/2001').every((m) => !m.paused);
    }, 'Asterisk back to available');
    assert.equal((await status('1001')).state, 'available');
    assert.deepEqual((await events(h.knex, '1001')).filter((e) => e.source === 'resync' && e.kind === 'pause'), []);
  });

  test('a connection dropped mid-action answers PBX unavailable and leaves no divergence after resync', async () => {
    h.sim.dropNextAction('QueuePause');
    const res = await api({ command: 'pause', agent: '1001', reason: 'Banheiro' });
    assert.deepEqual([res.status, res.body], [503, { error: 'PBX unavailable' }]);
    assert.equal((await status('1001')).state, 'available', 'nothing recorded');
    await until(() => h.pbx.isConnected(), 'reconnected');
    await until(async () => {
      await keeper.idle();
      return JSON.stringify(simState()) === JSON.stringify(await dbState());
    }, 'no divergence');
  });
});

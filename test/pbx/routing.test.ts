import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { messageOf } from '../../src/commands/outcomes.js';
import { runCommand } from '../../src/commands/run.js';
import { lampDevice } from '../../src/lamps/state.js';
import { applyProvision, readProvisionFile } from '../../src/provision/apply.js';
import type { Service } from '../../src/service.js';
import { sample } from '../support/prometheus.js';
import { type AmiMessage, SimAsterisk } from '../support/asterisk.js';
import { type TestDb, freshDatabase } from '../support/db.js';
import { HTTP_BY, until } from '../support/harness.js';
import { type Scratch, scratchFolder } from '../support/scratch.js';
import { serveOnPbxes } from '../support/two-pbxes.js';

// CONTRACT §9 against two simulated Asterisk servers over TCP: each queue's members are added,
// removed and paused on the queue's own PBX; one PBX down answers 503 for its queues only; each
// PBX's resync puts back only its own queues' members; /readyz names each PBX.

let db: TestDb;
let scratch: Scratch;
let simA: SimAsterisk;
let simB: SimAsterisk;
let svc: Service | undefined;
let base = '';

const startB = (port = 0) => SimAsterisk.start({ port, username: 'agentgate', secret: 'secret-b', queues: ['sales'] });

before(async () => {
  db = await freshDatabase();
  scratch = scratchFolder('pbx-routing');
  simA = await SimAsterisk.start({ username: 'agentgate', secret: 'secret-a', queues: ['support', 'billing'] });
  simB = await startB();
  const yaml = `pbxes:
  - { name: a, ami: { host: 127.0.0.1, port: ${simA.port}, username: agentgate, secret_env: PBX_A_SECRET }, remote_interface: "PJSIP/{exten}@from-a" }
  - { name: b, ami: { host: 127.0.0.1, port: ${simB.port}, username: agentgate, secret_env: PBX_B_SECRET } }
queues:
  - { name: support, number: 100, callcenter: true, pbx: a }
  - { name: sales, number: 300, callcenter: true, pbx: b }
extensions:
  - { exten: "2001", callcenter: true, pbx: a }
  - { exten: "2002", callcenter: true, pbx: b }
  - { exten: "2003", callcenter: true, pbx: a }
  - { exten: "2004", callcenter: true, pbx: a }
agents:
  - { agent: "1001", name: "Maria Silva" }
  - { agent: "1002", name: "João Souza" }
  - { agent: "1003", name: "Ana Lima" }
  - { agent: "1004", name: "Pedro Rocha" }
pause_reasons:
  - { code: 1, name: Almoco }
`;
  await applyProvision(db.knex, readProvisionFile(scratch.file('two.yaml', yaml)), { prune: false, path: 'two.yaml' });
  if (!db.url) return;
  ({ svc, base } = await serveOnPbxes(db.url, { PBX_A_SECRET: 'secret-a', PBX_B_SECRET: 'secret-b' }, ['a', 'b']));
});
after(async () => {
  await svc?.close();
  await simA.close();
  await simB.close();
  await db.drop();
  scratch.remove();
});

const service = () => svc as Service;
const call = async (params: Record<string, string>) => {
  const res = await fetch(`${base}/api/agent.php?${new URLSearchParams(params)}`);
  return { status: res.status, body: (await res.json()) as Record<string, string> };
};
const message = async (params: Record<string, string>) => {
  const { body } = await call(params);
  return body.success ?? body.error;
};
const readyz = async () => {
  const res = await fetch(`${base}/readyz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
/** The member actions a simulator received, in a comparable form. */
const memberActions = (sim: SimAsterisk) =>
  sim.actions
    .filter((a: AmiMessage) => ['QueueAdd', 'QueueRemove', 'QueuePause'].includes(a.Action ?? ''))
    .map((a: AmiMessage) => [a.Action, a.Queue ?? '*', a.Interface, ...(a.Action === 'QueuePause' ? [a.Paused, a.Reason ?? ''] : [])].join(' '));
const members = (sim: SimAsterisk) => sim.members().map((m) => `${m.queue} ${m.interface} ${m.paused ? `paused:${m.reason}` : 'available'}`).sort();
const clear = () => {
  simA.clearActions();
  simB.clearActions();
};

describe('several PBXs', () => {
  test('a login to queues on two PBXs adds each member on its queue’s PBX', async (t) => {
    if (!svc) return t.skip('needs a Postgres server');
    clear();
    const answer = await runCommand(service().deps, { command: 'login', agent: '1003', exten: '2003', queues: ['support', 'sales'] }, HTTP_BY);
    assert.equal(messageOf(answer), 'Login OK');
    assert.deepEqual(memberActions(simA), ['QueueAdd support PJSIP/2003']);
    assert.deepEqual(memberActions(simB), ['QueueAdd sales PJSIP/2003@from-a'], 'a member across PBXs, through a’s remote_interface');
    assert.equal(await message({ command: 'login', agent: '1001', exten: '2001', queue: 'support' }), 'Login OK');
    assert.equal(await message({ command: 'login', agent: '1002', exten: '2002', queue: 'sales' }), 'Login OK');
    assert.deepEqual(members(simA), ['support PJSIP/2001 available', 'support PJSIP/2003 available']);
    assert.deepEqual(members(simB), ['sales PJSIP/2002 available', 'sales PJSIP/2003@from-a available']);
  });

  test('a login to another PBX’s queue without a remote_interface on the extension’s PBX is refused, and nothing is sent', async (t) => {
    if (!svc) return t.skip('needs a Postgres server');
    clear();
    // 2002 is b's, and b has no remote_interface: a's queues cannot reach its phone
    const answer = await call({ command: 'login', agent: '1002', exten: '2002', queue: 'support' });
    assert.deepEqual([answer.status, answer.body], [200, { error: 'Exten not reachable from queue' }]);
    assert.deepEqual([memberActions(simA), memberActions(simB)], [[], []]);
    assert.deepEqual(await db.knex('session_queues').where({ agent: '1002' }).pluck('queue'), ['sales'], 'its session unchanged');
    assert.equal(await db.knex('intents').first(), undefined);
  });

  test('Asterisk pausing a member across PBXs on the queue’s PBX is recorded for that agent', async (t) => {
    if (!svc) return t.skip('needs a Postgres server');
    assert.ok(simB.externalPause('PJSIP/2003@from-a', true, 'Reuniao'));
    await until(async () => (await db.knex('session_queues').where({ agent: '1003', queue: 'sales' }).first())?.paused === true, 'the pause on b recorded');
    assert.deepEqual((await db.knex('session_queues').where({ agent: '1003', queue: 'support' }).first())?.paused, false, 'only for b’s queue');
    assert.ok(simB.externalPause('PJSIP/2003@from-a', false));
    await until(async () => (await db.knex('session_queues').where({ agent: '1003', queue: 'sales' }).first())?.paused === false, 'the unpause on b recorded');
    await service().keeper.idle();
  });

  test('a pause goes to the PBX of each of the agent’s queues, and nowhere else', async (t) => {
    if (!svc) return t.skip('needs a Postgres server');
    clear();
    assert.equal(await message({ command: 'pause', agent: '1002', reason: 'Almoco' }), 'Pause OK');
    assert.deepEqual(memberActions(simA), [], 'nothing on the PBX that does not hold sales');
    assert.deepEqual(memberActions(simB), ['QueuePause * PJSIP/2002 true Almoco']);
    // the lamp of 2002 is set on 2002's own PBX
    await until(() => simB.deviceState(lampDevice('2002')) === 'INUSE', 'the lamp of 2002 lit on b');
    assert.equal(simA.actions.filter((a) => a.Action === 'Setvar' && a.Variable === `DEVICE_STATE(${lampDevice('2002')})`).length, 0, 'and never on a');
    clear();
    assert.equal(await message({ command: 'pause', agent: '1003', reason: '1' }), 'Pause OK');
    assert.deepEqual(memberActions(simA), ['QueuePause * PJSIP/2003 true Almoco']);
    assert.deepEqual(memberActions(simB), ['QueuePause * PJSIP/2003@from-a true Almoco']);
    assert.equal(await message({ command: 'unpause', agent: '1003' }), 'Unpause OK');
    assert.equal(await message({ command: 'unpause', agent: '1002' }), 'Unpause OK');
    assert.ok(![...simA.members(), ...simB.members()].some((m) => m.paused));
  });

  test('both up: /readyz answers 200 and names each PBX up', async (t) => {
    if (!svc) return t.skip('needs a Postgres server');
    const r = await readyz();
    assert.equal(r.status, 200);
    assert.deepEqual([r.body.database, r.body.pbx, r.body.pbxes], ['up', 'up', { a: 'up', b: 'up' }]);
  });

  test('one PBX stopped: commands for its queues answer 503 PBX unavailable and change nothing on the other; the other’s still work', async (t) => {
    if (!svc) return t.skip('needs a Postgres server');
    const port = simB.port;
    await simB.close();
    await until(() => !service().pbxes.isUp('b'), 'PBX b seen down');
    clear();
    const login = await call({ command: 'login', agent: '1004', exten: '2004', queue: 'sales' });
    assert.deepEqual([login.status, login.body], [503, { error: 'PBX unavailable' }]);
    // 1003 is in support (on a) and sales (on b): nothing is sent to a either
    const pause = await call({ command: 'pause', agent: '1003', reason: 'Almoco' });
    assert.deepEqual([pause.status, pause.body], [503, { error: 'PBX unavailable' }]);
    assert.deepEqual((await call({ command: 'logoff', agent: '1002' })).status, 503);
    assert.deepEqual(memberActions(simA), [], 'nothing sent to the PBX that is up');
    assert.deepEqual(members(simA), ['support PJSIP/2001 available', 'support PJSIP/2003 available']);
    assert.equal(await db.knex('intents').first(), undefined, 'nothing left in doubt');

    assert.equal(await message({ command: 'pause', agent: '1001', reason: 'Almoco' }), 'Pause OK');
    assert.equal(await message({ command: 'login', agent: '1004', exten: '2004', queue: 'support' }), 'Login OK');
    assert.deepEqual(memberActions(simA), ['QueuePause * PJSIP/2001 true Almoco', 'QueueAdd support PJSIP/2004']);

    const r = await readyz();
    assert.equal(r.status, 200, 'ready while the database and one PBX are up');
    assert.deepEqual([r.body.pbx, r.body.pbxes], ['up', { a: 'up', b: 'down' }]);
    // the metrics per PBX: each connection, and each PBX's AMI actions apart
    const text = await (await fetch(`${base}/metrics`)).text();
    assert.deepEqual([sample(text, 'agentgate_pbx_up', { pbx: 'a' }), sample(text, 'agentgate_pbx_up', { pbx: 'b' })], [1, 0]);
    assert.ok((sample(text, 'agentgate_ami_action_duration_seconds_count', { action: 'queueAdd', outcome: 'ok', pbx: 'a' }) ?? 0) >= 1);
    const st = await runCommand(service().deps, { command: 'status', agent: '1003' }, HTTP_BY);
    assert.equal(st.kind === 'statusOk' && st.status.state, 'available', 'the refused pause is not recorded');

    // b comes back without its members (an Asterisk restart): b's resync puts back b's members only
    clear();
    simB = await startB(port);
    await until(() => service().pbxes.isUp('b'), 'PBX b back');
    await until(() => members(simB).length === 2, 'b’s members put back');
    await service().keeper.idle();
    assert.deepEqual(members(simB), ['sales PJSIP/2002 available', 'sales PJSIP/2003@from-a available']);
    assert.deepEqual(memberActions(simA), [], 'a’s resync is not b’s');
    const rows = await db.knex('events').where({ source: 'resync' }).orderBy('id');
    assert.deepEqual(rows.map((e) => `${e.agent} ${e.kind} ${e.queue}`), ['1002 login sales', '1003 login sales']);
    const corrections = await (await fetch(`${base}/metrics`)).text();
    const readded = (pbx: string) => sample(corrections, 'agentgate_sync_corrections_total', { source: 'resync', kind: 'readded', pbx });
    assert.deepEqual([readded('a'), readded('b')], [0, 2], 'the corrections name the PBX whose resync made them');
    assert.deepEqual((await readyz()).body.pbxes, { a: 'up', b: 'up' });
  });

  test('a member removed on one PBX is a logoff from that queue alone', async (t) => {
    if (!svc) return t.skip('needs a Postgres server');
    assert.ok(simB.externalRemove('sales', 'PJSIP/2003@from-a'));
    await until(async () => (await db.knex('session_queues').where({ agent: '1003' }).pluck('queue')).join() === 'support', 'the pbx logoff recorded');
    assert.deepEqual(members(simA).filter((m) => m.includes('2003')), ['support PJSIP/2003 available']);
    assert.equal(await message({ command: 'logoff', agent: '1003' }), 'Logoff OK');
    assert.deepEqual(members(simA).filter((m) => m.includes('2003')), []);
  });

  test('every PBX down: /readyz answers 503, naming each down', async (t) => {
    if (!svc) return t.skip('needs a Postgres server');
    await Promise.all([simA.close(), simB.close()]);
    await until(() => !service().pbxes.anyUp(), 'both PBXs seen down');
    const r = await readyz();
    assert.equal(r.status, 503);
    assert.deepEqual([r.body.database, r.body.pbx, r.body.pbxes], ['up', 'down', { a: 'down', b: 'down' }]);
  });
});

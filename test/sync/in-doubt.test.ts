import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import knexFactory from 'knex';
import { AmiPbx } from '../../src/ami/client.js';
import { PbxSet } from '../../src/ami/pbxes.js';
import { messageOf } from '../../src/commands/outcomes.js';
import type { By } from '../../src/commands/input.js';
import { runCommand } from '../../src/commands/run.js';
import { Keeper } from '../../src/sync/keeper.js';
import { type Harness, divergence, eventsExplainState, nextConnect, quietLog, startHarness, startInstance, until, HTTP_BY } from '../support/harness.js';
import { TcpProxy } from '../support/proxy.js';

// The findings that made the record disagree with Asterisk, each reproduced against the real
// Postgres and the simulated Asterisk (through a proxy that holds or delays its bytes).

let h: Harness;
let keeper: Keeper;
before(async () => {
  h = await startHarness({ timeoutMs: 400, viaProxy: true });
  keeper = new Keeper(h.deps, { retryMs: 50, reconcileMs: 0 });
  keeper.attach();
});
after(async () => {
  keeper.stop();
  await h.close();
});

const run = async (command: Record<string, string>, by: By = HTTP_BY) => messageOf(await runCommand(h.deps, command, by));
const proxy = () => h.proxy as TcpProxy;
const agreed = async () => {
  const d = await divergence(h.knex, h.sim);
  return d.onlyInAsterisk.length === 0 && d.onlyInDatabase.length === 0;
};
const settled = async () => (await h.knex('intents').count({ n: '*' }).first())?.n === 0;
const kinds = async (agent: string, after = 0) =>
  (await h.knex('events').where({ agent }).andWhere('id', '>', after).orderBy('id')).map((e) => `${e.source} ${e.kind}${e.queue ? ` ${e.queue}` : ''}`);
const lastEvent = async () => Number((await h.knex('events').max({ id: 'id' }).first())?.id ?? 0);

describe('in doubt: the record never contradicts what a caller was told', () => {
  test('1. a login answered late then retried: Login OK, and the member stays in Asterisk', async () => {
    const held = proxy().hold('toClient', 'Added interface to queue', 700);
    assert.equal(await run({ command: 'login', agent: '1001', exten: '2001', queue: 'support' }), 'PBX unavailable');
    await held;
    assert.equal(await run({ command: 'login', agent: '1001', exten: '2001', queue: 'support' }), 'Login OK');
    await until(settled, 'the in-doubt login settled');
    await proxy().drained();
    await keeper.idle();
    assert.ok(await agreed(), JSON.stringify(await divergence(h.knex, h.sim)));
    assert.deepEqual(h.sim.members().map((m) => [m.queue, m.interface]), [['support', 'PJSIP/2001']]);
    // The late QueueAdd was taken back before the retry added the member again.
    assert.deepEqual(await kinds('1001'), ['resync reverted', 'http login support']);
    keeper.request('reconcile');
    await keeper.idle();
    assert.ok(await agreed(), 'a reconcile after it changes nothing');
    assert.equal(await run({ command: 'logoff', agent: '1001' }), 'Logoff OK');
  });

  test('2. a pause whose answer comes after the 503 is not recorded as a change from Asterisk', async () => {
    assert.equal(await run({ command: 'login', agent: '1002', exten: '2002', queue: 'support' }), 'Login OK');
    const held = proxy().hold('toClient', 'Interface paused successfully', 700);
    assert.equal(await run({ command: 'pause', agent: '1002', reason: 'Almoco' }), 'PBX unavailable');
    await held;
    await until(async () => (await settled()) && !h.sim.members().some((m) => m.paused), 'the late pause taken back');
    await proxy().drained();
    await keeper.idle();
    const st = await runCommand(h.deps, { command: 'status', agent: '1002' }, HTTP_BY);
    assert.equal(st.kind === 'statusOk' && st.status.state, 'available', 'the caller was told nothing changed');
    assert.ok(await agreed());
    assert.deepEqual(await kinds('1002'), ['http login support', 'resync reverted'], 'no pause from pbx');
  });

  test('2b. with a second instance that sees the late event first: still not recorded', async (t) => {
    if (!h.db.server || !h.db.url) return t.skip('needs a Postgres server');
    const other = await startInstance(h.db.url, h.sim.port, 400);
    const otherKeeper = new Keeper(other.deps, { retryMs: 50, reconcileMs: 0 });
    otherKeeper.attach();
    try {
      for (let round = 0; round < 3; round++) {
        const held = proxy().hold('toClient', 'Interface paused successfully', 700);
        assert.equal(await run({ command: 'pause', agent: '1002', reason: 'Almoco' }), 'PBX unavailable');
        await held;
        await until(async () => (await settled()) && !h.sim.members().some((m) => m.paused), 'the late pause taken back');
        await proxy().drained();
        await Promise.all([keeper.idle(), otherKeeper.idle()]);
      }
      assert.ok(await agreed());
      const rows = await h.knex('events').where({ agent: '1002', kind: 'pause' });
      assert.deepEqual(rows, [], 'neither instance recorded the late pause');
    } finally {
      otherKeeper.stop();
      await other.close();
    }
    assert.equal(await run({ command: 'logoff', agent: '1002' }), 'Logoff OK');
  });

  test('3. login over a member Asterisk already holds paused: Asterisk is made to match the login', async () => {
    assert.ok(h.sim.externalAdd('support', 'PJSIP/2004', 'Pedro Rocha', 'PJSIP/2004', { paused: true, reason: 'left by a crash' }));
    assert.equal(await run({ command: 'login', agent: '1004', exten: '2004', queue: 'support' }), 'Login OK');
    assert.deepEqual(h.sim.members().filter((m) => m.interface === 'PJSIP/2004').map((m) => [m.queue, m.paused]), [['support', false]]);
    const st = await runCommand(h.deps, { command: 'status', agent: '1004' }, HTTP_BY);
    assert.equal(st.kind === 'statusOk' && st.status.state, 'available');
    assert.equal(await run({ command: 'unpause', agent: '1004' }), 'Agent alredy available');
    assert.equal(await run({ command: 'pause', agent: '1004' }), 'Pause OK');
    assert.equal(h.sim.members().find((m) => m.interface === 'PJSIP/2004')?.paused, true);
    assert.equal(await run({ command: 'logoff', agent: '1004' }), 'Logoff OK');
    await keeper.idle();
    assert.ok(await agreed());
  });

  test('5. the answer to the settle is lost after it committed: the caller hears Login OK, nothing is reversed', async (t) => {
    if (!h.db.server || !h.db.url) return t.skip('needs a Postgres server');
    const pg = await TcpProxy.start(5432);
    const url = new URL(h.db.url);
    url.port = String(pg.port);
    const db = knexFactory({ client: 'pg', connection: url.toString(), pool: { min: 0, max: 4 }, log: { warn() {}, error() {}, debug() {}, deprecate() {} } });
    try {
      const cut = pg.cutAfter('delete from intents t using x');
      const answer = messageOf(await runCommand({ ...h.deps, db }, { command: 'login', agent: '1003', exten: '2003', queue: 'sales' }, HTTP_BY));
      await cut;
      assert.equal(answer, 'Login OK');
      assert.deepEqual(h.sim.members().filter((m) => m.interface === 'Local/2003@from-queue/n').map((m) => m.queue), ['sales']);
      assert.ok(await h.knex('agent_sessions').where({ agent: '1003' }).first(), 'recorded');
      await keeper.idle();
      assert.ok(await agreed());
    } finally {
      await db.destroy();
      await pg.close();
    }
    assert.equal(await run({ command: 'logoff', agent: '1003' }), 'Logoff OK');
  });

  test('6. a slow Asterisk holds no database connection: while 12 logins wait on Asterisk, none is in use', async (t) => {
    if (!h.db.server || !h.db.url) return t.skip('needs a Postgres server');
    const db = knexFactory({ client: 'pg', connection: h.db.url, pool: { min: 0, max: 2 }, log: { warn() {}, error() {}, debug() {}, deprecate() {} } });
    const slow = await TcpProxy.start(h.sim.port);
    const pbx = new AmiPbx({ host: '127.0.0.1', port: slow.port, username: 'agentgate', secret: 'test-secret', timeoutMs: 60_000, logger: quietLog });
    try {
      const up = nextConnect(pbx);
      pbx.start();
      await up;
      await h.knex('agents').insert(Array.from({ length: 12 }, (_, i) => ({ login: String(6001 + i), name: `Slow ${i}` })));
      await h.knex('extensions').insert(Array.from({ length: 12 }, (_, i) => ({ exten: String(4001 + i) })));
      const deps = { ...h.deps, db, pbxes: PbxSet.of({ default: pbx }) };
      const before = h.sim.actionsOf('QueueAdd').length;
      // Asterisk applies each QueueAdd and its answers are held: every login is mid-action at once.
      void slow.hold('toClient', 'Added interface to queue');
      const answers = Promise.all(
        Array.from({ length: 12 }, (_, i) => runCommand(deps, { command: 'login', agent: String(6001 + i), exten: String(4001 + i), queue: 'support' }, HTTP_BY)),
      );
      await until(() => h.sim.actionsOf('QueueAdd').length - before === 12, 'all 12 QueueAdds reached Asterisk', 30_000);
      const pool = (db.client as { pool: { numUsed(): number; numPendingAcquires(): number } }).pool;
      assert.deepEqual([pool.numUsed(), pool.numPendingAcquires()], [0, 0], 'no connection held or awaited while Asterisk thinks');
      const open = await h.knex.raw("select count(*)::int as n from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'");
      assert.equal(open.rows[0].n, 0, 'no transaction open');
      slow.releaseAll();
      assert.deepEqual((await answers).map(messageOf), Array(12).fill('Login OK'));
      await Promise.all(Array.from({ length: 12 }, (_, i) => runCommand(deps, { command: 'logoff', agent: String(6001 + i) }, HTTP_BY)));
    } finally {
      await db.destroy();
      await pbx.close();
      await slow.close();
    }
  });

  test('7. the periodic reconcile repairs what no event reports', async () => {
    assert.equal(await run({ command: 'login', agent: '1004', exten: '2004', queue: 'sales' }), 'Login OK');
    // A divergence without an event: the record says paused, Asterisk does not.
    await h.knex('session_queues').where({ agent: '1004' }).update({ paused: true, reason: 'ghost' });
    const periodic = new Keeper(h.deps, { retryMs: 50, reconcileMs: 100 });
    periodic.attach();
    try {
      await until(async () => (await h.knex('session_queues').where({ agent: '1004' }).first())?.paused === false, 'the reconcile took Asterisk’s state');
    } finally {
      periodic.stop();
      await periodic.idle();
    }
    assert.ok((await kinds('1004')).includes('reconcile unpause sales'));
    assert.ok(await agreed());
    assert.equal(await run({ command: 'logoff', agent: '1004' }), 'Logoff OK');
  });

  test('8. a pause in one queue stays in that queue: status, events and resync', async () => {
    const mark = await lastEvent();
    assert.equal(await run({ command: 'login', agent: '1003', exten: '2003', queue: 'support' }), 'Login OK');
    assert.equal(await run({ command: 'login', agent: '1003', exten: '2003', queue: 'sales' }), 'Login OK');
    const iface = 'Local/2003@from-queue/n';
    h.sim.externalPause(iface, true, 'Supervisor', 'sales');
    await until(async () => (await h.knex('session_queues').where({ agent: '1003', queue: 'sales' }).first())?.paused === true, 'the pbx pause recorded');
    const st = await runCommand(h.deps, { command: 'status', agent: '1003' }, HTTP_BY);
    assert.ok(st.kind === 'statusOk');
    assert.deepEqual([st.status.state, st.status.queues, st.status.paused_queues, st.status.reason], ['available', ['sales', 'support'], ['sales'], 'Supervisor']);
    keeper.request('resync');
    await keeper.idle();
    assert.deepEqual(h.sim.members().filter((m) => m.interface === iface).map((m) => [m.queue, m.paused]).sort(), [['sales', true], ['support', false]], 'never widened');
    assert.equal(await run({ command: 'pause', agent: '1003', reason: '2' }), 'Pause OK');
    const paused = await runCommand(h.deps, { command: 'status', agent: '1003' }, HTTP_BY);
    assert.ok(paused.kind === 'statusOk');
    assert.deepEqual([paused.status.state, paused.status.paused_queues, paused.status.reason], ['paused', ['sales', 'support'], 'Banheiro']);
    assert.equal(await run({ command: 'pause', agent: '1003' }), 'Agent alredy paused');
    assert.equal(await run({ command: 'unpause', agent: '1003' }), 'Unpause OK');
    assert.deepEqual(h.sim.members().filter((m) => m.interface === iface).map((m) => m.paused), [false, false]);
    assert.deepEqual(await kinds('1003', mark), [
      'http login support',
      'http login sales',
      'pbx pause sales',
      'http pause',
      'http unpause',
    ]);
    assert.equal(await run({ command: 'logoff', agent: '1003' }), 'Logoff OK');
    await keeper.idle();
    assert.ok(await agreed());
    assert.deepEqual(await eventsExplainState(h.knex), []);
  });
});

describe('two instances and a slow Asterisk', () => {
  test('bursts of commands with answers late past the timeout: no late answer recorded, zero divergence', async (t) => {
    if (!h.db.server || !h.db.url) return t.skip('needs a Postgres server');
    const agents = Array.from({ length: 16 }, (_, i) => ({ agent: String(7001 + i), exten: String(5001 + i) }));
    await h.knex('agents').insert(agents.map((a) => ({ login: a.agent, name: `Burst ${a.agent}` })));
    await h.knex('extensions').insert(agents.map((a) => ({ exten: a.exten })));
    const slowB = await TcpProxy.start(h.sim.port);
    const other = await startInstance(h.db.url, slowB.port, 400);
    const otherKeeper = new Keeper(other.deps, { retryMs: 50, reconcileMs: 0 });
    otherKeeper.attach();
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    // a third of the answers come after the 400 ms timeout
    const late = () => (random() < 0.33 ? 450 + random() * 400 : random() * 60);
    proxy().latencyMs = late;
    slowB.latencyMs = late;
    const told: Record<string, number> = {};
    try {
      const commands = ['login', 'pause', 'unpause', 'logoff'];
      for (let round = 0; round < 6; round++) {
        const answers = await Promise.all(
          agents.flatMap((a, i) =>
            [h.deps, other.deps].map((deps, k) => {
              const command = commands[Math.floor(random() * commands.length)] as string;
              return runCommand(deps, { command, agent: a.agent, exten: a.exten, queue: (i + k) % 2 ? 'support' : 'sales', reason: 'Almoco' }, HTTP_BY).then(
                (o) => `${command} ${messageOf(o)}`,
              );
            }),
          ),
        );
        for (const a of answers) told[a] = (told[a] ?? 0) + 1;
      }
    } finally {
      proxy().latencyMs = 0;
      slowB.latencyMs = 0;
    }
    try {
      assert.ok((told['pause PBX unavailable'] ?? 0) + (told['login PBX unavailable'] ?? 0) > 0, `some answers came too late: ${JSON.stringify(told)}`);
      await until(settled, 'every in-doubt action settled', 15_000);
      await Promise.all([keeper.idle(), otherKeeper.idle()]);
      keeper.request('reconcile');
      await keeper.idle();
      assert.ok(await agreed(), JSON.stringify(await divergence(h.knex, h.sim)));
      const rows = await h.knex('events').whereIn('agent', agents.map((a) => a.agent));
      assert.deepEqual(rows.filter((r) => r.source === 'pbx'), [], 'no late answer recorded as a change made elsewhere');
      const count = (kind: string) => rows.filter((r) => r.source === 'http' && r.kind === kind).length;
      assert.equal(count('pause'), told['pause Pause OK'] ?? 0, 'every Pause OK has its event, and no other pause does');
      assert.equal(count('unpause'), told['unpause Unpause OK'] ?? 0);
      assert.ok(count('logoff') >= (told['logoff Logoff OK'] ?? 0));
      assert.deepEqual(await eventsExplainState(h.knex), []);
    } finally {
      otherKeeper.stop();
      await other.close();
      await slowB.close();
    }
  });
});

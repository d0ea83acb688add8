import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { AmiPbx } from '../../src/ami/client.js';
import { CallBoard } from '../../src/calls/board.js';
import { loadConfig } from '../../src/config.js';
import { applyProvision, readProvisionFile } from '../../src/provision/apply.js';
import { type Service, startService } from '../../src/service.js';
import { SimAsterisk } from '../support/asterisk.js';
import { type TestDb, freshDatabase } from '../support/db.js';
import { amiBarrier, quietLog, until } from '../support/harness.js';
import { BASE_YAML } from '../support/paths.js';
import { parsePrometheus } from '../support/prometheus.js';
import { type SseClient, openStream } from '../support/sse.js';

const SECRET = 'calls';
let db: TestDb;
let sim: SimAsterisk;
let svc: Service;
/** The simulated Asterisk's clock runs ahead by this much: talk and ring times without waiting them out. */
let skewMs = 0;
/** While set, that clock stands still here: talk and ring times come out exact (Asterisk counts whole seconds). */
let frozenMs: number | undefined;
const freeze = () => (frozenMs = Date.now() + skewMs);
const thaw = () => (frozenMs = undefined);
const advance = (ms: number) => {
  skewMs += ms;
  if (frozenMs !== undefined) frozenMs += ms;
};
let feed: SseClient;
/** What the instances logged at warn and above. */
const logged: Array<{ level: number; msg: string; attempt?: number }> = [];
const log = pino({ level: 'warn' }, { write: (line: string) => void logged.push(JSON.parse(line)) });

const serve = () =>
  startService(
    loadConfig({ DATABASE_URL: db.url, DATA_DIR: tmpdir(), HTTP_PORT: '0', AGI_PORT: '0', AMI_PORT: String(sim.port), AMI_SECRET: SECRET, SHUTDOWN_GRACE_MS: '2000' }),
    log,
  );

before(async () => {
  db = await freshDatabase();
  if (!db.server) return;
  await applyProvision(db.knex, readProvisionFile(BASE_YAML), { prune: false, path: 'base.yaml' });
  sim = await SimAsterisk.start({ username: 'agentgate', secret: SECRET, clock: () => frozenMs ?? Date.now() + skewMs });
  svc = await serve();
  await until(() => svc.pbxes.isUp('default'), 'AMI connected');
  for (const [agent, exten] of [['1001', '2001'], ['1003', '2003']]) {
    assert.deepEqual(await command({ command: 'login', agent: agent!, exten: exten!, queue: 'support' }), { success: 'Login OK' });
  }
  feed = openStream(svc.httpPort);
  await feed.until((c) => c.comments >= 1, 10_000, 'the feed is live');
});
after(async () => {
  feed?.close();
  await svc?.close();
  await sim?.close();
  await db.drop();
});

async function get(path: string, port = svc.httpPort): Promise<any> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  assert.equal(res.status, 200, path);
  return res.json();
}
const command = (params: Record<string, string>) => get(`/api/agent.php?${new URLSearchParams(params)}`);
const callOf = async (agent: string, port?: number) => ((await get('/api/agents', port)).agents as Array<{ agent: string; call: any }>).find((a) => a.agent === agent)?.call;
const queueOf = async (queue: string, port?: number) => ((await get('/api/queues', port)).queues as Array<{ queue: string; waiting: number; longest_wait_s: number }>).find((q) => q.queue === queue);
const callStates = (agent: string) => feed.messages.filter((m) => m.event === 'call' && m.data.agent === agent).map((m) => (m.data.call as { state: string } | null)?.state ?? null);
const waitingSteps = (queue: string) => feed.messages.filter((m) => m.event === 'queue' && m.data.queue === queue).map((m) => m.data.waiting);
/** Yesterday to tomorrow in UTC: today's calls whatever the hour. */
const reportRange = () => {
  const day = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);
  return `from=${day(-1)}&to=${day(1)}&tz=UTC`;
};
const rows = () => db.knex('queue_calls').orderBy('id').select('outcome', 'queue', 'interface', 'agent', 'caller', 'talk_s', 'ring_ms', 'hold_s', 'ended_by', 'started', 'ended');

describe('queue calls', () => {
  test('join → called → connect → complete: the agent rings, talks and is free again, the queue waits 1 then 0, the feed carries each step and the call is recorded once', async (t) => {
    if (!db.server) return t.skip('needs a Postgres server');
    const fromMsg = feed.messages.length;
    const call = sim.callArrives('support', { callerNum: '5511999990000', callerName: 'Cliente' });
    await until(async () => (await queueOf('support'))?.waiting === 1, 'one caller waiting');
    assert.equal((await callOf('1001')), null, 'nobody rings yet');

    call.ring('PJSIP/2001');
    await until(async () => (await callOf('1001'))?.state === 'ringing', '1001 ringing');
    const ringing = await callOf('1001');
    assert.deepEqual({ ...ringing, since: typeof ringing.since }, { state: 'ringing', queue: 'support', pbx: 'default', caller: '5511999990000', caller_name: 'Cliente', since: 'string' });
    assert.ok(Math.abs(Date.parse(ringing.since) - Date.now()) < 60_000);
    const status = await command({ command: 'status', agent: '1001' });
    assert.deepEqual([status.state, status.call?.state, status.call?.queue], ['available', 'ringing', 'support'], 'status says the same (one command code)');

    freeze();
    call.answer('PJSIP/2001');
    await until(async () => (await callOf('1001'))?.state === 'on_call', '1001 on a call');
    assert.deepEqual(await queueOf('support'), { queue: 'support', pbx: 'default', logged_in: 2, available: 2, paused: 0, paused_by_reason: {}, waiting: 0, longest_wait_s: 0 });
    const onCall = await callOf('1001');
    assert.deepEqual([onCall.queue, onCall.caller], ['support', '5511999990000']);
    assert.ok(Date.parse(onCall.since) >= Date.parse(ringing.since), 'since: when it was answered');
    assert.equal((await command({ command: 'status', agent: '1001' })).call.state, 'on_call');
    assert.equal(await callOf('1003'), null, 'only the member called');

    advance(42_000); // 42 s of talk
    call.hangup('agent');
    thaw();
    await until(async () => (await callOf('1001')) === null, '1001 free again');
    await until(async () => (await rows()).length === 1, 'the call recorded');

    await feed.until(() => callStates('1001').length >= 3, 10_000, 'the feed says each step');
    assert.deepEqual(callStates('1001'), ['ringing', 'on_call', null]);
    assert.deepEqual(waitingSteps('support'), [1, 0]);
    const msg = feed.messages.slice(fromMsg).find((m) => m.event === 'call');
    assert.deepEqual(msg?.id, undefined, 'no id: calls are not rows of the events table');
    assert.deepEqual(Object.keys(msg?.data ?? {}), ['agent', 'interface', 'pbx', 'call']);
    assert.equal(Number((await db.knex('events').whereNotIn('kind', ['login']).count({ n: '*' }))[0]?.n), 0, 'nothing written to the record of transitions');

    const [row] = await rows();
    assert.deepEqual(
      { ...row, started: undefined, ended: undefined, hold_s: typeof row.hold_s },
      { outcome: 'answered', queue: 'support', interface: 'PJSIP/2001', agent: '1001', caller: '5511999990000', talk_s: 42, ring_ms: null, hold_s: 'number', ended_by: 'agent', started: undefined, ended: undefined },
    );
    assert.equal(row.ended.getTime() - row.started.getTime(), 42_000);

    const byAgent = (await get(`/api/reports/pauses?${reportRange()}&group=agent`)).rows.find((r: { agent: string }) => r.agent === '1001');
    assert.deepEqual([byAgent.calls_answered, byAgent.talk_s, byAgent.missed_rings], [1, 42, 0], 'the report counts one answered call with its talk time');
  });

  test('a ring nobody answers is a missed ring; an agent who hangs up before the bridge is free again; ringall: the member who answers takes the call, the other stops ringing; a caller who gives up leaves the waiting count', async (t) => {
    if (!db.server) return t.skip('needs a Postgres server');
    await db.knex('queue_calls').delete();
    const a = sim.callArrives('support', { callerNum: '1133334444' });
    freeze();
    a.ring('PJSIP/2001');
    await until(async () => (await callOf('1001'))?.state === 'ringing', '1001 ringing');
    advance(15_000);
    a.noAnswer('PJSIP/2001');
    thaw();
    await until(async () => (await callOf('1001')) === null, 'the ring ended');
    await until(async () => (await rows()).length === 1, 'the missed ring recorded');
    assert.deepEqual(
      (await rows()).map((r) => [r.outcome, r.agent, r.queue, r.ring_ms, r.talk_s]),
      [['missed', '1001', 'support', 15_000, null]],
    );

    // answered, then hung up before being connected (AgentDump): free again, the caller still waits
    a.ring('PJSIP/2001');
    await until(async () => (await callOf('1001'))?.state === 'ringing', '1001 ringing again');
    a.dump('PJSIP/2001');
    await until(async () => (await callOf('1001')) === null, 'the dump ends it');
    assert.equal((await queueOf('support'))?.waiting, 1, 'the caller goes on waiting');

    // both ring; Ana answers; Maria's phone stops without an event of its own
    a.ring('PJSIP/2001');
    a.ring('Local/2003@from-queue/n');
    await until(async () => (await callOf('1001'))?.state === 'ringing' && (await callOf('1003'))?.state === 'ringing', 'both ringing');
    a.answer('Local/2003@from-queue/n');
    await until(async () => (await callOf('1003'))?.state === 'on_call' && (await callOf('1001')) === null, 'Ana talks, Maria rings no more');
    a.hangup('caller');
    await until(async () => (await callOf('1003')) === null, 'Ana free');

    const b = sim.callArrives('support', { callerNum: '1155556666' });
    const c = sim.callArrives('support', { callerNum: '1177778888' });
    await until(async () => (await queueOf('support'))?.waiting === 2, 'two waiting');
    b.ring('PJSIP/2001');
    await until(async () => (await callOf('1001'))?.state === 'ringing', '1001 ringing');
    b.abandon();
    await until(async () => (await queueOf('support'))?.waiting === 1 && (await callOf('1001')) === null, 'the caller who gave up is gone, and the ring with it');
    assert.ok(Number.isInteger((await queueOf('support'))!.longest_wait_s));
    c.abandon();
    await until(async () => (await queueOf('support'))?.waiting === 0, 'nobody waiting');
    assert.deepEqual((await rows()).map((r) => [r.outcome, r.agent]), [['missed', '1001'], ['answered', '1003']], 'an abandoned ring is not a missed ring');
    const byQueue = (await get(`/api/reports/pauses?${reportRange()}&group=queue`)).rows.find((r: { queue: string }) => r.queue === 'support');
    assert.deepEqual([byQueue.calls_answered, byQueue.missed_rings], [1, 1], 'the report counts the missed ring');
  });

  test('a caller who leaves with a key press (QueueCallerLeave alone): the phone it was ringing stops ringing shortly, with nothing recorded', async (t) => {
    if (!db.server) return t.skip('needs a Postgres server');
    await db.knex('queue_calls').delete();
    const a = sim.callArrives('support', { callerNum: '1199990000' });
    a.ring('PJSIP/2001');
    await until(async () => (await callOf('1001'))?.state === 'ringing', '1001 ringing');
    a.exitWithKey();
    await until(async () => (await queueOf('support'))?.waiting === 0, 'the caller left');
    await until(async () => (await callOf('1001')) === null, 'the ring let go');
    assert.deepEqual(await rows(), []);
  });

  test('a finished call is recorded under the agent who took it, though it logged off and another logged in on that phone before the end', async (t) => {
    if (!db.server) return t.skip('needs a Postgres server');
    await db.knex('queue_calls').delete();
    const a = sim.callArrives('support', { callerNum: '1190909090' });
    a.ring('PJSIP/2001').answer('PJSIP/2001');
    await until(async () => (await callOf('1001'))?.state === 'on_call', '1001 on a call');
    assert.deepEqual(await command({ command: 'logoff', agent: '1001' }), { success: 'Logoff OK' });
    assert.deepEqual(await command({ command: 'login', agent: '1002', exten: '2001', queue: 'support' }), { success: 'Login OK' });
    a.hangup('caller');
    await until(async () => (await rows()).length === 1, 'the call recorded');
    assert.deepEqual((await rows()).map((r) => [r.outcome, r.agent, r.caller]), [['answered', '1001', '1190909090']]);

    assert.deepEqual(await command({ command: 'logoff', agent: '1002' }), { success: 'Logoff OK' });
    assert.deepEqual(await command({ command: 'login', agent: '1001', exten: '2001', queue: 'support' }), { success: 'Login OK' });
  });

  test('a write of a finished call that fails is tried again until it is written; a board that runs out of tries logs an error', async (t) => {
    if (!db.server) return t.skip('needs a Postgres server');
    await db.knex('queue_calls').delete();
    // a second board, on its own AMI connection, that gives up after two tries
    const pbx = new AmiPbx({ host: '127.0.0.1', port: sim.port, username: 'agentgate', secret: SECRET, timeoutMs: 2000, logger: quietLog });
    const itsLog: Array<{ msg: string; attempt?: number }> = [];
    const brief = new CallBoard({ db: db.knex, pbx, log: pino({ level: 'warn' }, { write: (l: string) => void itsLog.push(JSON.parse(l)) }), recordTries: 2, recordRetryMs: 10 });
    brief.attach();
    const up = new Promise((r) => pbx.once('connected', r));
    pbx.start();
    await up;
    try {
      const a = sim.callArrives('support', { callerNum: '1123232323' });
      a.ring('PJSIP/2001').answer('PJSIP/2001');
      await until(async () => (await callOf('1001'))?.state === 'on_call' && brief.forAgent('1001')?.state === 'on_call', 'on a call, on both boards');
      const from = logged.length;
      await db.knex.raw('ALTER TABLE queue_calls RENAME TO queue_calls_away');
      try {
        a.hangup('agent');
        await until(() => logged.slice(from).some((l) => /could not record the end of a queue call/.test(l.msg)), 'the write failed');
        await until(() => itsLog.some((l) => l.msg === 'gave up recording the end of a queue call' && l.attempt === 2), 'the second board gave up');
        assert.deepEqual(itsLog.map((l) => [l.msg, l.attempt]), [['could not record the end of a queue call; trying again', 1], ['gave up recording the end of a queue call', 2]]);
      } finally {
        await db.knex.raw('ALTER TABLE queue_calls_away RENAME TO queue_calls');
      }
      await until(async () => (await rows()).length === 1, 'written at a later try');
      assert.deepEqual((await rows()).map((r) => [r.outcome, r.agent, r.caller]), [['answered', '1001', '1123232323']]);
      assert.ok(!logged.slice(0).some((l) => l.msg === 'gave up recording the end of a queue call'), 'the service did not give up');
    } finally {
      brief.stop();
      await brief.idle();
      await pbx.close();
    }
  });

  test('a board that stops lets go of its AMI connection and asks Asterisk nothing more', async (t) => {
    if (!db.server) return t.skip('needs a Postgres server');
    const pbx = new AmiPbx({ host: '127.0.0.1', port: sim.port, username: 'agentgate', secret: SECRET, timeoutMs: 2000, logger: quietLog });
    const listeners = () => (['call', 'connected', 'disconnected'] as const).map((e) => pbx.listenerCount(e));
    const bare = listeners();
    const board = new CallBoard({ db: db.knex, pbx, log: quietLog });
    board.attach();
    assert.deepEqual(listeners(), bare.map((n) => n + 1));
    const asked = sim.actionsOf('QueueStatus').length;
    const up = new Promise((r) => pbx.once('connected', r));
    pbx.start();
    await up;
    try {
      await until(() => sim.actionsOf('QueueStatus').length === asked + 1, 'its snapshot asked for');
      board.stop();
      assert.deepEqual(listeners(), bare, 'no listener left on the connection');
      await board.rebuild();
      await amiBarrier({ pbx });
      assert.equal(sim.actionsOf('QueueStatus').length, asked + 1, 'no snapshot asked for once stopped');
    } finally {
      await pbx.close();
    }
  });

  test('metrics: callers waiting per queue and agents on a call', async (t) => {
    if (!db.server) return t.skip('needs a Postgres server');
    // (only the families asked for are parsed: the process metrics may read NaN right after a start)
    const value = async (name: string, labels: Record<string, string> = {}) => {
      const text = await (await fetch(`http://127.0.0.1:${svc.httpPort}/metrics`)).text();
      const family = text.split('\n').filter((l) => l.startsWith(`# HELP ${name} `) || l.startsWith(`# TYPE ${name} `) || l.startsWith(`${name} `) || l.startsWith(`${name}{`));
      return parsePrometheus(`${family.join('\n')}\n`).find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value ?? 0;
    };
    const a = sim.callArrives('support');
    const b = sim.callArrives('support');
    await until(async () => (await value('agentgate_queue_callers_waiting', { queue: 'support' })) === 2, 'two waiting');
    a.ring('PJSIP/2001').answer('PJSIP/2001');
    await until(async () => (await value('agentgate_agents_on_call')) === 1 && (await value('agentgate_queue_callers_waiting', { queue: 'support' })) === 1, 'one talking, one waiting');
    a.hangup();
    b.abandon();
    await until(async () => (await value('agentgate_agents_on_call')) === 0 && (await value('agentgate_queue_callers_waiting', { queue: 'support' })) === 0, 'all over');
  });
});

describe('AMI reconnect in the middle of a call', () => {
  /** agentgate loses its AMI connection and cannot log in again until `back()`: what happens meanwhile it does not hear. */
  async function outage(): Promise<{ back: () => Promise<void> }> {
    sim.secret = 'not-now';
    sim.dropConnections();
    await until(() => !svc.pbxes.isUp('default'), 'AMI lost');
    return {
      back: async () => {
        sim.secret = SECRET;
        await until(() => svc.pbxes.isUp('default'), 'AMI back');
      },
    };
  }

  test('a call that ended while disconnected is cleared; one still going is still shown, the same call as before', async (t) => {
    if (!db.server) return t.skip('needs a Postgres server');
    const a = sim.callArrives('support', { callerNum: '1122223333' });
    a.ring('PJSIP/2001').answer('PJSIP/2001');
    await until(async () => (await callOf('1001'))?.state === 'on_call', 'on a call');
    const before = await callOf('1001');

    let down = await outage();
    await down.back();
    await until(async () => svc.pbxes.isUp('default') && (await svc.calls.idle(), true), 'rebuilt');
    await until(async () => sim.actionsOf('CoreShowChannels').length > 0, 'the channels read');
    assert.deepEqual(await callOf('1001'), before, 'the same call, its caller and start kept');

    down = await outage();
    a.hangup('caller');
    const waiting = sim.callArrives('support', { callerNum: '1144445555' });
    skewMs += 30_000;
    await down.back();
    await until(async () => (await callOf('1001')) === null, 'the call that ended meanwhile is gone');
    await until(async () => (await queueOf('support'))?.waiting === 1, 'the caller who came meanwhile waits');
    assert.ok((await queueOf('support'))!.longest_wait_s >= 30, 'for as long as QueueStatus says');
    waiting.abandon();
    await until(async () => (await queueOf('support'))?.waiting === 0, 'and leaves');
  });

  test('while AMI is down no call and no waiting caller is shown, and the feed says so at once; after the reconnect they are read again', async (t) => {
    if (!db.server) return t.skip('needs a Postgres server');
    const a = sim.callArrives('support', { callerNum: '1156565656' });
    const w = sim.callArrives('support', { callerNum: '1178787878' });
    a.ring('PJSIP/2001').answer('PJSIP/2001');
    await until(async () => (await callOf('1001'))?.state === 'on_call' && (await queueOf('support'))?.waiting === 1, 'on a call, one waiting');
    const before = await callOf('1001');
    const fromMsg = feed.messages.length;

    const down = await outage();
    assert.equal(await callOf('1001'), null, 'no call while Asterisk cannot say');
    assert.equal((await command({ command: 'status', agent: '1001' })).call, null, 'status says the same');
    assert.deepEqual(await queueOf('support'), { queue: 'support', pbx: 'default', logged_in: 2, available: 2, paused: 0, paused_by_reason: {}, waiting: 0, longest_wait_s: 0 });
    const told = () => feed.messages.slice(fromMsg);
    await feed.until(
      () => told().some((m) => m.event === 'call' && m.data.agent === '1001' && m.data.call === null) && told().some((m) => m.event === 'queue' && m.data.queue === 'support' && m.data.waiting === 0),
      10_000,
      'the wallboards are told',
    );

    const listed = sim.actionsOf('CoreShowChannels').length;
    await down.back();
    await until(async () => (await queueOf('support'))?.waiting === 1 && (await callOf('1001'))?.state === 'on_call', 'read again');
    await until(async () => sim.actionsOf('CoreShowChannels').length > listed && (await svc.calls.idle(), true), 'the channels read');
    assert.deepEqual(await callOf('1001'), before, 'the same call, its caller and start kept');
    a.hangup('caller');
    w.abandon();
    await until(async () => (await callOf('1001')) === null && (await queueOf('support'))?.waiting === 0, 'all over');
  });

  test('events read in the same chunk as the end of the QueueStatus list are newer than it: a call that ended right after the snapshot is not shown, a caller who joined right after it waits', async (t) => {
    if (!db.server) return t.skip('needs a Postgres server');
    const a = sim.callArrives('support', { callerNum: '1112121212' });
    a.ring('PJSIP/2001').answer('PJSIP/2001');
    await until(async () => (await callOf('1001'))?.state === 'on_call', 'on a call');
    assert.equal((await queueOf('support'))?.waiting, 0);

    const down = await outage();
    // the first QueueStatus after the login is the calls' snapshot (the resync's comes after database reads)
    const late = { caller: undefined as ReturnType<typeof sim.callArrives> | undefined };
    sim.afterNextAnswer('QueueStatus', () => {
      a.hangup('agent');
      late.caller = sim.callArrives('support', { callerNum: '1134343434' });
    });
    await down.back();
    await until(() => late.caller !== undefined, 'the snapshot answered, the call ended and a caller joined, in one write');
    await amiBarrier({ pbx: svc.pbxes.get('default') as AmiPbx }); // read after that write: the rebuild has applied what it brought
    assert.equal(await callOf('1001'), null, 'the call that ended after the snapshot');
    assert.equal((await queueOf('support'))?.waiting, 1, 'the caller who joined after the snapshot');
    late.caller!.abandon();
    await until(async () => (await queueOf('support'))?.waiting === 0, 'and leaves');
  });

  test('a new call answered while disconnected shows with its caller (from CoreShowChannels), or without caller and start when this AMI account may not list channels', async (t) => {
    if (!db.server) return t.skip('needs a Postgres server');
    let down = await outage();
    const a = sim.callArrives('support', { callerNum: '1166667777', callerName: 'Loja Centro' });
    a.ring('PJSIP/2001').answer('PJSIP/2001');
    skewMs += 20_000;
    await down.back();
    await until(async () => (await callOf('1001'))?.caller === '1166667777', 'the call found after the reconnect');
    const found = await callOf('1001');
    assert.deepEqual([found.state, found.caller_name], ['on_call', 'Loja Centro'], "the caller's name from the channel's connected line");
    assert.ok(Date.now() - Date.parse(found.since) >= 19_000, `since counts from the member's channel (${found.since})`);
    a.hangup('agent');
    await until(async () => (await callOf('1001')) === null, 'ended');

    sim.write = 'agent,call';
    try {
      down = await outage();
      const b = sim.callArrives('support', { callerNum: '1188889999' });
      b.ring('PJSIP/2001').answer('PJSIP/2001');
      await down.back();
      await until(async () => (await callOf('1001'))?.state === 'on_call', 'on a call, from InCall');
      assert.deepEqual(await callOf('1001'), { state: 'on_call', queue: 'support', pbx: 'default', caller: null, caller_name: null, since: null });
      await db.knex('queue_calls').delete();
      b.hangup('caller');
      await until(async () => (await callOf('1001')) === null, 'its end clears it');
      await until(async () => (await rows()).length === 1, 'and is recorded');
      assert.equal((await rows())[0]?.caller, '1188889999');
    } finally {
      sim.write = 'all';
    }
  });
});

describe('two instances', () => {
  test('each shows the call from its own AMI connection; a finished call is one row, and so is a missed ring', async (t) => {
    if (!db.server) return t.skip('needs a Postgres server');
    const other = await serve();
    try {
      await until(() => other.pbxes.isUp('default'), 'second instance connected');
      await db.knex('queue_calls').delete();
      const a = sim.callArrives('support', { callerNum: '1100001111' });
      freeze();
      a.ring('PJSIP/2001');
      advance(10_000);
      a.noAnswer('PJSIP/2001');
      a.ring('PJSIP/2001').answer('PJSIP/2001');
      await until(async () => (await callOf('1001', other.httpPort))?.state === 'on_call' && (await callOf('1001'))?.state === 'on_call', 'both instances show it');
      advance(5_000);
      a.hangup('caller');
      thaw();
      await until(async () => (await callOf('1001', other.httpPort)) === null && (await callOf('1001')) === null, 'both free');
      await Promise.all([svc.calls.idle(), other.calls.idle()]);
      assert.deepEqual((await rows()).map((r) => [r.outcome, r.talk_s, r.ring_ms]), [['missed', null, 10_000], ['answered', 5, null]]);
    } finally {
      await other.close();
    }
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { applyProvision, readProvisionFile } from '../../src/provision/apply.js';
import type { Service } from '../../src/service.js';
import { SimAsterisk } from '../support/asterisk.js';
import { chromiumPresent, launchChromium } from '../support/browser.js';
import { type TestDb, freshDatabase } from '../support/db.js';
import { until } from '../support/harness.js';
import { sample } from '../support/prometheus.js';
import { TcpProxy } from '../support/proxy.js';
import { type Scratch, scratchFolder } from '../support/scratch.js';
import { command } from '../support/service.js';
import { type SseClient, openStream } from '../support/sse.js';
import { serveOnPbxes, twoPbxesYaml } from '../support/two-pbxes.js';

// CONTRACT §9, the calls board of each PBX: each PBX's queue calls come from its own AMI connection
// and carry its name; one PBX unreachable clears only its own queues' calls, and they are read again
// from its QueueStatus when it is back; a PBX a reconcile adds has its calls followed.

let db: TestDb;
let scratch: Scratch;
let simA: SimAsterisk;
let simB: SimAsterisk;
/** b's AMI is reached through it: closed, b is unreachable while its calls go on. */
let amiB: TcpProxy;
const sims: SimAsterisk[] = [];
let svc: Service | undefined;
let base = '';
let feed: SseClient;

before(async () => {
  db = await freshDatabase();
  scratch = scratchFolder('pbx-calls');
  simA = await SimAsterisk.start({ username: 'agentgate', secret: 'calls-a', queues: ['support'] });
  simB = await SimAsterisk.start({ username: 'agentgate', secret: 'calls-b', queues: ['sales'] });
  sims.push(simA, simB);
  amiB = await TcpProxy.start(simB.port);
  await applyProvision(db.knex, readProvisionFile(scratch.file('two.yaml', twoPbxesYaml(simA.port, amiB.port))), { prune: false, path: 'two.yaml' });
  if (!db.url) return;
  ({ svc, base } = await serveOnPbxes(db.url, { PBX_A_SECRET: 'calls-a', PBX_B_SECRET: 'calls-b', PBX_C_SECRET: 'calls-c' }, ['a', 'b']));
  const s = svc;
  assert.equal(await command(base, { command: 'login', agent: '1001', exten: '2001', queue: 'support' }), 'Login OK');
  assert.equal(await command(base, { command: 'login', agent: '1002', exten: '2002', queue: 'sales' }), 'Login OK');
  feed = openStream(s.httpPort);
  await feed.until((c) => c.comments >= 1, 10_000, 'the feed is live');
});
after(async () => {
  feed?.close();
  await svc?.close();
  await amiB?.close();
  for (const s of sims) await s.close();
  await db.drop();
  scratch.remove();
});

async function get(path: string): Promise<any> {
  const res = await fetch(`${base}${path}`);
  assert.equal(res.status, 200, path);
  return res.json();
}
const callOf = async (agent: string) => ((await get('/api/agents')).agents as Array<{ agent: string; call: any }>).find((a) => a.agent === agent)?.call;
const queueOf = async (queue: string) => ((await get('/api/queues')).queues as Array<{ queue: string; pbx: string; waiting: number }>).find((q) => q.queue === queue);
const metric = async (name: string, labels: Record<string, string>) => sample(await (await fetch(`${base}/metrics`)).text(), name, labels) ?? 0;
const messagesFor = (from: number, agent: string) => feed.messages.slice(from).filter((m) => m.event === 'call' && m.data.agent === agent);

describe('the queue calls of each PBX', () => {
  const calls: Record<string, ReturnType<SimAsterisk['callArrives']>> = {};

  test('a call on each PBX and a caller waiting on b: each shows with its own PBX, in the lists, the feed and the metrics', async (t) => {
    if (!svc) return t.skip('needs a Postgres server');
    const from = feed.messages.length;
    calls.a = simA.callArrives('support', { callerNum: '1130000001' }).ring('PJSIP/2001').answer('PJSIP/2001');
    calls.b = simB.callArrives('sales', { callerNum: '2130000002' }).ring('PJSIP/2002').answer('PJSIP/2002');
    calls.waiting = simB.callArrives('sales', { callerNum: '2130000003' });
    await until(async () => (await callOf('1001'))?.state === 'on_call' && (await callOf('1002'))?.state === 'on_call' && (await queueOf('sales'))?.waiting === 1, 'both calls and the caller waiting shown');

    const [a, b] = [await callOf('1001'), await callOf('1002')];
    assert.deepEqual([a.pbx, a.queue, a.caller], ['a', 'support', '1130000001']);
    assert.deepEqual([b.pbx, b.queue, b.caller], ['b', 'sales', '2130000002']);
    assert.deepEqual([(await queueOf('sales'))?.pbx, (await queueOf('support'))?.waiting], ['b', 0]);
    const status = await get('/api/agent.php?command=status&agent=1002');
    assert.equal(status.call.pbx, 'b', 'status says the same');

    await feed.until(() => messagesFor(from, '1002').some((m) => (m.data.call as { state?: string } | null)?.state === 'on_call'), 10_000, "the feed says 1002's call");
    assert.ok(messagesFor(from, '1001').every((m) => m.data.pbx === 'a'));
    assert.ok(messagesFor(from, '1002').every((m) => m.data.pbx === 'b'));
    const sales = feed.messages.slice(from).filter((m) => m.event === 'queue' && m.data.queue === 'sales');
    assert.ok(sales.length > 0 && sales.every((m) => m.data.pbx === 'b'), 'the queue messages name their PBX');

    assert.equal(await metric('agentgate_queue_callers_waiting', { queue: 'sales', pbx: 'b' }), 1);
    assert.deepEqual([await metric('agentgate_agents_on_call', { pbx: 'a' }), await metric('agentgate_agents_on_call', { pbx: 'b' })], [1, 1]);
  });

  test('the wallboard with one PBX picked shows that PBX’s calls and callers waiting, not the other’s', async (t) => {
    if (!svc) return t.skip('needs a Postgres server');
    if (!chromiumPresent()) return t.skip('no /usr/bin/chromium (apt-get install chromium)');
    const browser = await launchChromium();
    try {
      const page = await (await browser.newContext({ locale: 'en-US' })).newPage();
      await page.goto(`${base}/wallboard?pbx=b`);
      await page.locator('.tile[data-agent="1002"][data-call="on_call"]').waitFor({ timeout: 10_000 });
      await page.locator('.chip[data-queue="sales"] .waiting[data-waiting="1"]').waitFor();
      assert.equal(await page.locator('.tile[data-agent="1001"]').count(), 0);
      assert.equal(await page.locator('.chip[data-queue="support"]').count(), 0);
      await page.selectOption('#pbx', 'a');
      await page.locator('.tile[data-agent="1001"][data-call="on_call"]').waitFor({ timeout: 5000 });
      assert.equal(await page.locator('.tile[data-agent="1002"]').count(), 0);
      assert.deepEqual(await page.locator('#queue-counts .chip').evaluateAll((cs) => cs.map((c) => (c as HTMLElement).dataset.queue)), ['support']);
    } finally {
      await browser.close();
    }
  });

  test('b unreachable: b’s calls and callers waiting are gone and the feed says so; a’s stay, untouched', async (t) => {
    if (!svc) return t.skip('needs a Postgres server');
    const s = svc;
    const beforeA = await callOf('1001');
    const asked = simA.actionsOf('QueueStatus').length;
    const from = feed.messages.length;
    await amiB.close();
    await until(() => !s.pbxes.isUp('b'), 'PBX b seen down');
    assert.equal(await callOf('1002'), null, 'no call on b while b cannot say');
    assert.equal((await queueOf('sales'))?.waiting, 0);
    assert.deepEqual(await callOf('1001'), beforeA, 'a’s call as it was');
    await feed.until(() => messagesFor(from, '1002').some((m) => m.data.call === null), 10_000, 'the wallboards are told of b');
    assert.deepEqual(messagesFor(from, '1002').map((m) => [m.data.pbx, m.data.call]), [['b', null]]);
    assert.ok(feed.messages.slice(from).some((m) => m.event === 'queue' && m.data.queue === 'sales' && m.data.pbx === 'b' && m.data.waiting === 0));
    assert.deepEqual(messagesFor(from, '1001'), [], 'nothing said of a’s call');
    assert.deepEqual([await metric('agentgate_agents_on_call', { pbx: 'a' }), await metric('agentgate_agents_on_call', { pbx: 'b' })], [1, 0]);
    assert.equal(simA.actionsOf('QueueStatus').length, asked, 'a’s calls are not read again');

    // meanwhile on b: its call goes on, another caller joins
    calls.late = simB.callArrives('sales', { callerNum: '2130000004' });
  });

  test('b back: its calls are read again from its QueueStatus, the call under way the same as before; a’s untouched', async (t) => {
    if (!svc) return t.skip('needs a Postgres server');
    const s = svc;
    const beforeA = await callOf('1001');
    const askedA = simA.actionsOf('QueueStatus').length;
    const askedB = simB.actionsOf('QueueStatus').length;
    const from = feed.messages.length;
    amiB = await TcpProxy.start(simB.port, amiB.port);
    await until(() => s.pbxes.isUp('b'), 'PBX b back');
    await until(async () => (await callOf('1002'))?.state === 'on_call' && (await queueOf('sales'))?.waiting === 2, 'b’s call and both callers waiting read again');
    assert.ok(simB.actionsOf('QueueStatus').length > askedB, 'read from b’s QueueStatus');
    await until(async () => (await callOf('1002'))?.caller === '2130000002', 'the call under way keeps its caller');
    assert.deepEqual([(await callOf('1002')).pbx, (await callOf('1002')).queue], ['b', 'sales']);
    assert.deepEqual(await callOf('1001'), beforeA);
    assert.deepEqual(messagesFor(from, '1001'), [], 'nothing said of a’s call');
    assert.equal(simA.actionsOf('QueueStatus').length, askedA, 'nothing read again on a');

    calls.a!.hangup('caller');
    calls.b!.hangup('agent');
    calls.waiting!.abandon();
    calls.late!.abandon();
    await until(async () => (await callOf('1001')) === null && (await callOf('1002')) === null && (await queueOf('sales'))?.waiting === 0, 'all over');
    await s.calls.idle();
  });

  test('a call on b to a member across PBXs shows on its agent, with b', async (t) => {
    if (!svc) return t.skip('needs a Postgres server');
    const s = svc;
    // a's phones reach b's queues as PJSIP/<exten>@from-a
    const across = twoPbxesYaml(simA.port, amiB.port).replace('secret_env: PBX_A_SECRET } }', 'secret_env: PBX_A_SECRET }, remote_interface: "PJSIP/{exten}@from-a" }');
    await applyProvision(db.knex, readProvisionFile(scratch.file('across.yaml', across)), { prune: false, path: 'across.yaml' });
    s.keeper.request('reconcile');
    await s.keeper.idle();
    assert.equal(await command(base, { command: 'login', agent: '1001', exten: '2001', queue: 'sales' }), 'Login OK');
    const call = simB.callArrives('sales', { callerNum: '2130000008' }).ring('PJSIP/2001@from-a').answer('PJSIP/2001@from-a');
    await until(async () => (await callOf('1001'))?.state === 'on_call', 'the call shown on 1001');
    assert.deepEqual([(await callOf('1001')).pbx, (await callOf('1001')).caller], ['b', '2130000008']);
    call.hangup('agent');
    await until(async () => (await callOf('1001')) === null, 'over');
    await s.calls.idle();
    await until(async () => (await db.knex('queue_calls').where({ interface: 'PJSIP/2001@from-a' }).first())?.agent === '1001', 'recorded as 1001’s call');
    // back as the tests after expect it: 1001 in support only, a without a remote_interface
    assert.equal(await command(base, { command: 'logoff', agent: '1001' }), 'Logoff OK');
    await applyProvision(db.knex, readProvisionFile(scratch.file('two-again.yaml', twoPbxesYaml(simA.port, amiB.port))), { prune: false, path: 'two-again.yaml' });
    assert.equal(await command(base, { command: 'login', agent: '1001', exten: '2001', queue: 'support' }), 'Login OK');
  });

  test('a PBX added by a reconcile has its queue calls followed', async (t) => {
    if (!svc) return t.skip('needs a Postgres server');
    const s = svc;
    const simC = await SimAsterisk.start({ username: 'agentgate', secret: 'calls-c', queues: ['billing'] });
    sims.push(simC);
    const more = `  - { name: c, ami: { host: 127.0.0.1, port: ${simC.port}, username: agentgate, secret_env: PBX_C_SECRET } }\n`;
    const yaml = twoPbxesYaml(simA.port, amiB.port).replace('queues:\n', `${more}queues:\n  - { name: billing, number: 500, callcenter: true, pbx: c }\n`);
    await applyProvision(db.knex, readProvisionFile(scratch.file('three.yaml', yaml)), { prune: false, path: 'three.yaml' });
    s.keeper.request('reconcile');
    await s.keeper.idle();
    await until(() => s.pbxes.isUp('c'), 'c connected');
    const from = feed.messages.length;
    const caller = simC.callArrives('billing', { callerNum: '3130000005' });
    await until(async () => (await queueOf('billing'))?.waiting === 1, 'the caller waiting on c shown');
    assert.equal((await queueOf('billing'))?.pbx, 'c');
    await feed.until(() => feed.messages.slice(from).some((m) => m.event === 'queue' && m.data.queue === 'billing' && m.data.pbx === 'c'), 10_000, 'the feed says so');
    assert.equal(await metric('agentgate_queue_callers_waiting', { queue: 'billing', pbx: 'c' }), 1);
    caller.abandon();
    await until(async () => (await queueOf('billing'))?.waiting === 0, 'and leaves');
  });

  test('a PBX whose address changed: what its old connection showed is told over, and its calls come from the new one', async (t) => {
    if (!svc) return t.skip('needs a Postgres server');
    const s = svc;
    const [simC] = sims.slice(-1) as [SimAsterisk];
    const old = simC.callArrives('billing', { callerNum: '3130000006' });
    await until(async () => (await queueOf('billing'))?.waiting === 1, 'a caller waiting on c');
    const moved = await SimAsterisk.start({ username: 'agentgate', secret: 'calls-c', queues: ['billing'] });
    sims.push(moved);
    const from = feed.messages.length;
    const more = `  - { name: c, ami: { host: 127.0.0.1, port: ${moved.port}, username: agentgate, secret_env: PBX_C_SECRET } }\n`;
    const yaml = twoPbxesYaml(simA.port, amiB.port).replace('queues:\n', `${more}queues:\n  - { name: billing, number: 500, callcenter: true, pbx: c }\n`);
    await applyProvision(db.knex, readProvisionFile(scratch.file('moved.yaml', yaml)), { prune: false, path: 'moved.yaml' });
    s.keeper.request('reconcile');
    await s.keeper.idle();
    await until(() => s.pbxes.isUp('c'), 'c connected at its new address');
    await until(async () => (await queueOf('billing'))?.waiting === 0, 'the old connection’s caller no longer shown');
    await feed.until(() => feed.messages.slice(from).some((m) => m.event === 'queue' && m.data.queue === 'billing' && m.data.waiting === 0), 10_000, 'the wallboards are told');
    old.abandon(); // on the old address, which agentgate no longer hears
    const caller = moved.callArrives('billing', { callerNum: '3130000007' });
    await until(async () => (await queueOf('billing'))?.waiting === 1, 'the new connection’s caller shown');
    caller.abandon();
    await until(async () => (await queueOf('billing'))?.waiting === 0, 'and leaves');
    await s.calls.idle();
  });
});

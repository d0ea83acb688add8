import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FIXTURES, Raw, WAIT_MS, replay, sleep } from '../support/ami-raw.js';
import { SimAsterisk } from '../support/asterisk.js';
import { readTranscript, rebuild } from '../support/transcript.js';

describe('transcript reader', () => {
  test('splits markers and keeps CRLF bytes', () => {
    const chunks = readTranscript(join(FIXTURES, '01-login-success.txt'));
    assert.deepEqual(
      chunks.map((c) => c.dir),
      ['out', 'in', 'out', 'in', 'out', 'close'],
    );
    assert.equal(chunks[0]?.bytes.toString('latin1'), 'Asterisk Call Manager/11.0.0\r\n');
    assert.equal(chunks[3]?.t, 0.501);
    assert.equal(chunks[5]?.by, 'asterisk');
    assert.equal(chunks[5]?.bytes.length, 0);
    assert.ok(rebuild(chunks, 'in').toString('latin1').endsWith('Action: Logoff\r\nActionID: logoff-1\r\n\r\n'));
  });
});

describe('replays the real Asterisk 22.10 captures', () => {
  let sim: SimAsterisk;
  before(async () => {
    // Same credentials as the capture; authFailDelayMs stays small (Asterisk sleeps 1 s).
    sim = await SimAsterisk.start({ username: 'agentapi', secret: 'agentapi', authFailDelayMs: 30 });
    // README "State before the captures": devstate change Custom:2001/2002 NOT_INUSE.
    sim.setDeviceState('Custom:2001', 'NOT_INUSE');
    sim.setDeviceState('Custom:2002', 'NOT_INUSE');
  });
  after(() => sim.close());

  // The captures ran in this order (README) and state carries over from one to the next, so
  // replaying them in order on one simulator sets up the state each one starts from.
  const sequence: Array<[string, Array<(sim: SimAsterisk) => void>]> = [
    ['01-login-success.txt', []],
    ['02-login-failure.txt', []],
    ['03-queueadd-success.txt', []],
    ['04-queueadd-already-member.txt', []],
    ['05-queueadd-no-such-queue.txt', []],
    ['05b-queueadd-sales-and-second-member.txt', []],
    ['06-queuepause-success.txt', []],
    ['07-queuepause-not-member.txt', []],
    ['08-queuepause-all-queues.txt', []],
    ['11-queuestatus.txt', []],
    ['12-queuesummary.txt', []],
    ['09-queueremove-success.txt', []],
    ['10-queueremove-not-member.txt', []],
    [
      '13-events-member-lifecycle.txt',
      // CLI `devstate change Custom:2001 INUSE`, then `NOT_INUSE`, between QueueAdd and the first QueuePause.
      [(s) => s.setDeviceState('Custom:2001', 'INUSE'), (s) => s.setDeviceState('Custom:2001', 'NOT_INUSE')],
    ],
    ['14-unknown-action.txt', []],
    ['15-ping.txt', []],
    ['16-logoff.txt', []],
  ];
  for (const [file, triggers] of sequence) {
    test(file, async () => {
      await replay(
        sim,
        file,
        triggers.map((t) => () => t(sim)),
      );
    });
  }

  test('state after the sequence matches the last queue show in queue_log.txt', () => {
    assert.deepEqual(
      sim.members().map((m) => [m.queue, m.memberName, m.interface, m.stateInterface, m.paused, m.status]),
      [
        ['support', '1002', 'Local/2002@from-queue/n', 'Custom:2002', false, 1],
        ['sales', '1001', 'Local/2001@from-queue/n', 'Custom:2001', false, 1],
      ],
    );
  });

  test('queue_log lines match the capture (epochs aside)', () => {
    const strip = (l: string): string => l.replace(/^[0-9]+\|/, '');
    assert.deepEqual(sim.queueLog.map(strip), [
      'MANAGER|support|Local/2001@from-queue/n|ADDMEMBER|',
      'MANAGER|sales|Local/2001@from-queue/n|ADDMEMBER|',
      'MANAGER|support|Local/2002@from-queue/n|ADDMEMBER|',
      'NONE|support|1001|PAUSE|Almoco',
      'NONE|NONE|1001|PAUSEALL|Pausa',
      'NONE|support|1001|PAUSE|Pausa',
      'NONE|sales|1001|PAUSE|Pausa',
      'NONE|NONE|1001|UNPAUSEALL|',
      'NONE|support|1001|UNPAUSE|',
      'NONE|sales|1001|UNPAUSE|',
      'MANAGER|support|Local/2001@from-queue/n|REMOVEMEMBER|',
      'MANAGER|support|Local/2001@from-queue/n|ADDMEMBER|',
      'NONE|support|1001|PAUSE|Almoco',
      'NONE|support|1001|UNPAUSE|',
      'NONE|NONE|1001|PAUSEALL|Treinamento',
      'NONE|support|1001|PAUSE|Treinamento',
      'NONE|sales|1001|PAUSE|Treinamento',
      'NONE|NONE|1001|UNPAUSEALL|',
      'NONE|support|1001|UNPAUSE|',
      'NONE|sales|1001|UNPAUSE|',
      'MANAGER|support|Local/2001@from-queue/n|REMOVEMEMBER|',
    ]);
  });

  test('recorded actions: every Login (the failed one too) and everything after a successful one', () => {
    const names = sim.actions.map((a) => a.Action);
    assert.equal(names[0], 'Login');
    assert.equal(sim.actionsOf('login').length, 17); // one per capture, the failed one included
    assert.equal(sim.actionsOf('LOGOFF').length, 16);
    assert.equal(sim.actionsOf('QueueAdd')[0]?.Interface, 'Local/2001@from-queue/n');
    assert.equal(sim.actionsOf('FooBarBaz').length, 1);
  });
});

// ------------------------------------------------------------------------------------------------

describe('SimAsterisk', () => {
  const USER = 'agentgate';
  const SECRET = 'secret';
  let sim: SimAsterisk;
  const open: Raw[] = [];

  before(async () => {
    sim = await SimAsterisk.start({ authFailDelayMs: 20 });
  });
  after(async () => {
    for (const c of open) c.destroy();
    await sim.close();
  });

  async function client(events?: string): Promise<Raw> {
    const c = await Raw.connect(sim.port);
    open.push(c);
    await c.waitMessages(1);
    const res = await c.login(USER, SECRET, events);
    assert.equal(res.Message, 'Authentication accepted');
    return c;
  }

  async function reset(): Promise<void> {
    sim.mode = 'normal';
    await sim.restart();
    sim.clearActions();
  }

  test('defaults: port, greeting, queues, no members', async () => {
    await reset();
    assert.ok(sim.port > 0);
    assert.deepEqual(sim.queueNames(), ['support', 'sales']);
    assert.deepEqual(sim.members(), []);
    const c = await Raw.connect(sim.port);
    open.push(c);
    await c.waitFor((d) => d === 'Asterisk Call Manager/11.0.0\r\n');
  });

  test('before login: Permission denied, Missing action, Logoff allowed', async () => {
    const c = await Raw.connect(sim.port);
    open.push(c);
    const r = await c.action({ Action: 'QueueStatus', ActionID: 'x1' });
    assert.deepEqual(r, { Response: 'Error', ActionID: 'x1', Message: 'Permission denied' });
    const p = await c.action({ Action: 'Ping', ActionID: 'x2' });
    assert.equal(p.Message, 'Permission denied');
    c.write('ActionID: x3\r\n\r\n');
    await c.waitFor((d) => d.includes('ActionID: x3\r\nMessage: Missing action in request\r\n\r\n'));
    // An empty message (an extra blank line) is a message without Action too.
    c.write('\r\n');
    await c.waitFor((d) => d.endsWith('Response: Error\r\nMessage: Missing action in request\r\n\r\n'));
    const bye = await c.action({ Action: 'Logoff', ActionID: 'x4' });
    assert.equal(bye.Response, 'Goodbye');
    await c.waitClosed();
    assert.equal(sim.actionsOf('QueueStatus').length, 0, 'unauthenticated actions are not recorded');
  });

  test('failed login: answered after authFailDelayMs, then closed; nothing else is processed', async () => {
    const c = await Raw.connect(sim.port);
    open.push(c);
    await c.waitMessages(1);
    const t0 = Date.now();
    c.write('Action: Login\r\nActionID: l\r\nUsername: agentgate\r\nSecret: nope\r\n\r\nAction: Ping\r\nActionID: p\r\n\r\n');
    await c.waitClosed();
    assert.ok(Date.now() - t0 >= 15);
    assert.equal(c.data, 'Asterisk Call Manager/11.0.0\r\nResponse: Error\r\nActionID: l\r\nMessage: Authentication failed\r\n\r\n');
  });

  test('login without Events header gets every event (manager.c default), Events: off none', async () => {
    await reset();
    const all = await client();
    const off = await client('off');
    const agentOnly = await client('agent');
    assert.equal(all.events('FullyBooted').length, 1);
    assert.equal(agentOnly.events('FullyBooted').length, 0, 'FullyBooted needs the system class');
    assert.equal(off.events('FullyBooted').length, 0);
    sim.externalAdd('support', 'PJSIP/1', 'one');
    await all.waitFor(() => all.events('QueueMemberAdded').length === 1);
    await agentOnly.waitFor(() => agentOnly.events('QueueMemberAdded').length === 1);
    assert.equal(agentOnly.events('DeviceStateChange').length, 0, 'call class not wanted');
    assert.ok(all.events('DeviceStateChange').length > 0);
    await sleep(30);
    assert.equal(off.events('QueueMemberAdded').length, 0);
    // The Events action switches the mask at runtime.
    const on = await off.action({ Action: 'Events', EventMask: 'on', ActionID: 'ev' });
    assert.deepEqual(on, { Response: 'Success', ActionID: 'ev', Events: 'On' });
    sim.externalRemove('support', 'PJSIP/1');
    await off.waitFor(() => off.events('QueueMemberRemoved').length === 1);
  });

  test('QueueAdd/Pause/Remove over AMI change members() and record actions', async () => {
    await reset();
    const c = await client('off');
    const add = await c.action({
      Action: 'QueueAdd',
      ActionID: 'a1',
      Queue: 'SUPPORT', // queue names are case-insensitive
      Interface: 'Local/1001@agents/n',
      MemberName: 'Agent 1001',
      StateInterface: 'Custom:1001',
      Penalty: '2',
      Paused: 'true',
      Reason: 'Login paused',
    });
    assert.equal(add.Message, 'Added interface to queue');
    let [m] = sim.members();
    assert.ok(m);
    assert.equal(m.queue, 'support');
    assert.equal(m.memberName, 'Agent 1001');
    assert.equal(m.penalty, 2);
    assert.equal(m.paused, true);
    assert.equal(m.reason, 'Login paused');
    assert.ok(Math.abs(m.loginTime - Date.now() / 1000) < 5);
    assert.equal(m.lastPause, m.loginTime);

    const unp = await c.action({ Action: 'QueuePause', ActionID: 'p1', Interface: 'local/1001@AGENTS/n', Paused: 'no' });
    assert.equal(unp.Message, 'Interface unpaused successfully');
    [m] = sim.members();
    assert.equal(m?.paused, false);
    assert.equal(m?.reason, '');

    const none = await c.action({ Action: 'QueuePause', ActionID: 'p2', Interface: 'Local/1001@agents/n', Queue: 'nosuch', Paused: 'yes' });
    assert.equal(none.Message, 'Interface not found');
    const missing = await c.action({ Action: 'QueuePause', ActionID: 'p3', Interface: 'Local/1001@agents/n' });
    assert.equal(missing.Message, "Need 'Interface' and 'Paused' parameters.");

    const rm = await c.action({ Action: 'QueueRemove', ActionID: 'r1', Queue: 'support', Interface: 'Local/1001@agents/n' });
    assert.equal(rm.Message, 'Removed interface from queue');
    assert.deepEqual(sim.members(), []);
    assert.deepEqual(
      sim.actions.map((a) => a.Action),
      ['Login', 'QueueAdd', 'QueuePause', 'QueuePause', 'QueuePause', 'QueueRemove'],
    );
    assert.equal(sim.actionsOf('queuepause')[0]?.Paused, 'no');
  });

  test('LastPause is set by pausing only; LoginTime by adding (controlled clock)', async () => {
    let now = 1_800_000_000_000;
    const s2 = await SimAsterisk.start({ clock: () => now });
    try {
      s2.externalAdd('sales', 'PJSIP/7', '7');
      now += 5000;
      s2.externalPause('PJSIP/7', true, 'Lunch');
      now += 5000;
      s2.externalPause('PJSIP/7', false);
      const [m] = s2.members();
      assert.equal(m?.loginTime, 1_800_000_000);
      assert.equal(m?.lastPause, 1_800_000_005);
      assert.deepEqual(
        s2.queueLog,
        [
          '1800000000|CLI|sales|PJSIP/7|ADDMEMBER|',
          '1800000005|NONE|NONE|7|PAUSEALL|Lunch',
          '1800000005|NONE|sales|7|PAUSE|Lunch',
          '1800000010|NONE|NONE|7|UNPAUSEALL|',
          '1800000010|NONE|sales|7|UNPAUSE|',
        ],
      );
    } finally {
      await s2.close();
    }
  });

  test('copes with one byte at a time, coalesced actions, bare LF and many connections', async () => {
    await reset();
    const c = await Raw.connect(sim.port);
    open.push(c);
    const text =
      'Action: Login\r\nUsername: agentgate\r\nSecret: secret\r\nEvents: off\r\nActionID: L\r\n\r\n' +
      'Action: Ping\r\nActionID: P1\r\n\r\n' +
      'Action: QueueAdd\r\nActionID: A\r\nQueue: sales\r\nInterface: PJSIP/9\r\n\r\n';
    for (const ch of text) {
      c.write(ch);
      await new Promise((r) => setImmediate(r));
    }
    // Back-to-back in one write, LF-only line ends.
    c.write('Action: Ping\nActionID: P2\n\nAction: QueueStatus\nActionID: S\nQueue: sales\n\n');
    await c.waitFor((d) => d.includes('Event: QueueStatusComplete\r\nActionID: S\r\n'));
    const ids = c.messages().map((m) => m.ActionID ?? m.Greeting);
    assert.deepEqual(ids.slice(0, 5), ['Asterisk Call Manager/11.0.0', 'L', 'P1', 'A', 'P2']);
    const member = c.messages().find((m) => m.Event === 'QueueMember');
    assert.equal(member?.Name, 'PJSIP/9', 'MemberName defaults to the interface');
    assert.equal(member?.StateInterface, 'PJSIP/9');

    const many = await Promise.all(Array.from({ length: 40 }, () => client('off')));
    assert.equal(sim.connectionCount(), 41);
    const pongs = await Promise.all(many.map((m, i) => m.action({ Action: 'Ping', ActionID: `m${i}` })));
    assert.ok(pongs.every((p) => p.Ping === 'Pong' && /^[0-9]{10}\.[0-9]{6}$/.test(p.Timestamp ?? '')));
    for (const m of many) m.destroy();
  });

  test('never crashes on garbage or resets', async () => {
    await reset();
    const g = await Raw.connect(sim.port);
    g.write(Buffer.from([0, 255, 254, 10, 13, 10, 0x80, 0xc3, 10, 10]));
    g.write(':::\r\n: \r\nno colon here\r\n\r\n');
    g.write('x'.repeat(100_000));
    g.socket.resetAndDestroy();
    const h = await Raw.connect(sim.port);
    h.write('Action: Login\r\n'); // half a message, then the socket vanishes
    h.destroy();
    const c = await client('off');
    const p = await c.action({ Action: 'Ping', ActionID: 'alive' });
    assert.equal(p.Ping, 'Pong');
    const u = await c.action({ Action: 'FooBar', ActionID: 'u' });
    assert.equal(u.Message, 'Invalid/unknown command: FooBar. Use Action: ListCommands to show available commands.');
    const again = await c.action({ Action: 'Login', ActionID: 'again', Username: USER, Secret: SECRET });
    assert.equal(again.Message, 'Already authenticated');
  });

  test('silent mode: actions are read (and recorded) but never answered nor applied', async () => {
    await reset();
    const c = await client('on');
    sim.mode = 'silent';
    c.write('Action: Ping\r\nActionID: s1\r\n\r\nAction: QueueAdd\r\nActionID: s2\r\nQueue: support\r\nInterface: PJSIP/5\r\n\r\n');
    await sleep(150);
    assert.ok(!c.data.includes('s1') && !c.data.includes('s2'));
    assert.deepEqual(
      sim.actions.map((a) => a.Action),
      ['Login', 'Ping', 'QueueAdd'],
    );
    assert.deepEqual(sim.members(), []);
    sim.mode = 'normal';
    const p = await c.action({ Action: 'Ping', ActionID: 's3' });
    assert.equal(p.Ping, 'Pong');
  });

  test('refuse mode: state-changing actions get Response: Error with refuseMessage', async () => {
    await reset();
    const c = await client('off');
    sim.mode = 'refuse';
    const r1 = await c.action({ Action: 'QueueAdd', ActionID: 'f1', Queue: 'support', Interface: 'PJSIP/5' });
    assert.deepEqual(r1, { Response: 'Error', ActionID: 'f1', Message: 'Permission denied' });
    sim.refuseMessage = 'Out of memory';
    const r2 = await c.action({ Action: 'QueuePause', ActionID: 'f2', Interface: 'PJSIP/5', Paused: 'true' });
    assert.equal(r2.Message, 'Out of memory');
    const r3 = await c.action({ Action: 'QueueRemove', ActionID: 'f3', Queue: 'support', Interface: 'PJSIP/5' });
    assert.equal(r3.Response, 'Error');
    const ping = await c.action({ Action: 'Ping', ActionID: 'f4' });
    assert.equal(ping.Response, 'Success', 'reads still work');
    const st = await c.action({ Action: 'QueueStatus', ActionID: 'f5' });
    assert.equal(st.Response, 'Success');
    assert.deepEqual(sim.members(), []);
    sim.refuseMessage = 'Permission denied';
  });

  test('restart(): members lost, connections dropped, same port keeps listening', async () => {
    await reset();
    const c = await client('off');
    await c.action({ Action: 'QueueAdd', ActionID: 'r', Queue: 'support', Interface: 'PJSIP/1' });
    assert.equal(sim.members().length, 1);
    const port = sim.port;
    await sim.restart();
    await c.waitClosed();
    assert.deepEqual(sim.members(), []);
    assert.equal(sim.port, port);
    const d = await client('off');
    const st = await d.action({ Action: 'QueueStatus', ActionID: 'st' });
    assert.equal(st.Response, 'Success');
    await d.waitFor((x) => x.includes('ListItems: 2\r\n'), WAIT_MS, 'two QueueParams, no members');

    // With downMs the port refuses connections for a while, then comes back.
    const restarting = sim.restart({ downMs: 150 });
    await d.waitClosed();
    await sleep(50);
    await assert.rejects(Raw.connect(port));
    await restarting;
    assert.equal(sim.port, port);
    await client('off');
  });

  test('dropConnections() and connectionCount()', async () => {
    await reset();
    const a = await client('off');
    const b = await client('off');
    assert.equal(sim.connectionCount(), 2);
    sim.dropConnections();
    await Promise.all([a.waitClosed(), b.waitClosed()]);
    await sleep(10);
    assert.equal(sim.connectionCount(), 0);
  });

  test('externalPause/externalAdd/externalRemove emit the events an Events: on connection sees', async () => {
    await reset();
    const on = await client('on');
    const off = await client('off');
    assert.equal(sim.externalAdd('support', 'Local/2001@from-queue/n', '1001', 'Custom:2001'), true);
    assert.equal(sim.externalAdd('sales', 'Local/2001@from-queue/n', '1001', 'Custom:2001'), true);
    assert.equal(sim.externalAdd('support', 'Local/2001@from-queue/n', '1001'), false, 'already there');
    assert.equal(sim.externalAdd('nosuch', 'X/1', '1'), false);
    await on.waitFor(() => on.events('QueueMemberAdded').length === 2);

    assert.equal(sim.externalPause('Local/2001@from-queue/n', true, 'Supervisor'), true);
    await on.waitFor(() => on.events('QueueMemberPause').length === 2);
    const pauses = on.events('QueueMemberPause');
    assert.deepEqual(
      pauses.map((e) => [e.Queue, e.Paused, e.PausedReason, e.Privilege]),
      [
        ['support', '1', 'Supervisor', 'agent,all'],
        ['sales', '1', 'Supervisor', 'agent,all'],
      ],
    );
    assert.equal(sim.externalPause('Local/2001@from-queue/n', false, undefined, 'sales'), true);
    await on.waitFor(() => on.events('QueueMemberPause').length === 3);
    assert.equal(on.events('QueueMemberPause')[2]?.PausedReason, '');
    assert.equal(sim.externalPause('Nobody/1', true), false);

    assert.equal(sim.externalRemove('support', 'Local/2001@from-queue/n'), true);
    await on.waitFor(() => on.events('QueueMemberRemoved').length === 1);
    assert.equal(on.events('QueueMemberRemoved')[0]?.Paused, '1', 'removed while still paused in support');
    await sleep(30);
    assert.equal(off.messages().filter((m) => 'Event' in m).length, 0);
    assert.deepEqual(
      sim.members().map((m) => [m.queue, m.paused]),
      [['sales', false]],
    );
  });

  test('dropNextAction: the action is applied, its connection destroyed unanswered, others see the event', async () => {
    await reset();
    const watcher = await client('on');
    const c = await client('off');
    sim.dropNextAction('QueueAdd');
    const ping = await c.action({ Action: 'Ping', ActionID: 'd0' });
    assert.equal(ping.Ping, 'Pong', 'other actions are not dropped');
    c.write('Action: QueueAdd\r\nActionID: d1\r\nQueue: sales\r\nInterface: PJSIP/3\r\nMemberName: 3\r\n\r\n');
    await c.waitClosed();
    assert.ok(!c.data.includes('d1'));
    assert.deepEqual(
      sim.members().map((m) => m.interface),
      ['PJSIP/3'],
    );
    await watcher.waitFor(() => watcher.events('QueueMemberAdded').length === 1);

    // Without a name: the very next action (whatever it is).
    const d = await client('off');
    sim.dropNextAction();
    d.write('Action: QueuePause\r\nActionID: d2\r\nInterface: PJSIP/3\r\nPaused: true\r\n\r\n');
    await d.waitClosed();
    assert.equal(sim.members()[0]?.paused, true);
    const e = await client('off');
    const p = await e.action({ Action: 'Ping', ActionID: 'd3' });
    assert.equal(p.Ping, 'Pong', 'only one action is dropped');
  });

  test('QueueStatus Member filter, QueueSummary and device states', async () => {
    await reset();
    const c = await client('off');
    sim.externalAdd('support', 'PJSIP/1', 'one', 'Custom:1');
    sim.externalAdd('support', 'PJSIP/2', 'two', 'Custom:2');
    sim.setDeviceState('Custom:1', 'INUSE');
    sim.externalPause('PJSIP/2', true, 'x');
    await c.action({ Action: 'QueueStatus', ActionID: 'q', Queue: 'support', Member: 'two' });
    await c.waitFor((d) => d.includes('Event: QueueStatusComplete\r\nActionID: q\r\nEventList: Complete\r\nListItems: 2\r\n'));
    const members = c.messages().filter((m) => m.Event === 'QueueMember');
    assert.deepEqual(
      members.map((m) => [m.Name, m.Paused, m.PausedReason]),
      [['two', '1', 'x']],
    );
    await c.action({ Action: 'QueueSummary', ActionID: 'qs', Queue: 'support' });
    await c.waitFor((d) => d.includes('Event: QueueSummaryComplete\r\nActionID: qs\r\n'));
    const sum = c.messages().find((m) => m.Event === 'QueueSummary');
    assert.equal(sum?.LoggedIn, '2');
    assert.equal(sum?.Available, '0', 'one in use, one paused');
    assert.equal(sim.members().find((m) => m.memberName === 'one')?.status, 2);
  });
});

describe('lamps: custom device states and hints (21-device-state-lamps.txt, 21b-device-state-cli.txt)', () => {
  // The dialplan of those captures (fixtures README): a plain hint and a pattern hint.
  const LAMP_HINTS = [
    { context: 'agentgate-lamps', exten: '*512001', hint: 'Custom:agentgate-2001' },
    { context: 'agentgate-lamps', exten: '_*51XXXX', hint: 'Custom:agentgate-${EXTEN:3}' },
  ];
  let sim: SimAsterisk;
  const open: Raw[] = [];
  before(async () => {
    sim = await SimAsterisk.start({ username: 'agentapi', secret: 'agentapi', hints: LAMP_HINTS });
  });
  after(async () => {
    for (const c of open) c.destroy();
    await sim.close();
  });

  async function client(events: string): Promise<Raw> {
    const c = await Raw.connect(sim.port);
    open.push(c);
    await c.waitMessages(1);
    assert.equal((await c.login('agentapi', 'agentapi', events)).Message, 'Authentication accepted');
    return c;
  }

  async function hintList(c: Raw, id: string): Promise<string[]> {
    await c.action({ Action: 'ExtensionStateList', ActionID: id });
    await c.waitFor((d) => d.includes(`Event: ExtensionStateListComplete\r\nActionID: ${id}\r\n`));
    return c
      .messages()
      .filter((m) => m.Event === 'ExtensionStatus' && m.ActionID === id)
      .map((m) => `${m.Exten}@${m.Context} ${m.Hint} ${m.StatusText}`);
  }

  test('21-device-state-lamps.txt', async () => {
    await replay(sim, '21-device-state-lamps.txt');
  });

  test('21b: the device states and hints the CLI listed afterwards', async () => {
    const cli = readFileSync(join(FIXTURES, '21b-device-state-cli.txt'), 'latin1');
    const devstates = [...cli.matchAll(/--- Name: '([^']+)'\s+State: '([^']+)'/g)].map((m) => [m[1] as string, m[2] as string]);
    assert.equal(devstates.length, 2);
    assert.deepEqual(
      devstates.map(([device]) => [device, sim.deviceState(device as string)]),
      devstates,
    );
    // `core show hints` lists the concrete hints (and the pattern, which ExtensionStateList skips)
    const shown = [...cli.matchAll(/^(\*[0-9]+)@(\S+)\s+: (\S+)\s+State:(\S+)/gm)].map((m) => `${m[1]}@${m[2]} ${m[3]} ${m[4]}`);
    assert.deepEqual(shown, ['*512001@agentgate-lamps Custom:agentgate-2001 Idle', '*512002@agentgate-lamps Custom:agentgate-2002 Hold']);
    assert.deepEqual(await hintList(await client('off'), 'l21b'), shown);
  });

  test('restart: custom states come back from the astdb, hints made from patterns do not; a fresh astdb has none', async () => {
    const c = await client('call');
    await c.action({ Action: 'Setvar', ActionID: 's0', Variable: 'DEVICE_STATE(Custom:agentgate-2001)', Value: 'INUSE' });
    await sim.restart();
    assert.equal(sim.deviceState('Custom:agentgate-2001'), 'INUSE', 'kept in the astdb');
    const d = await client('call');
    assert.deepEqual(await hintList(d, 'l1'), ['*512001@agentgate-lamps Custom:agentgate-2001 InUse'], 'only the configured hint');
    // the state was reloaded before anyone connected: setting it again changes nothing, so no event
    assert.equal((await d.action({ Action: 'Setvar', ActionID: 's1', Variable: 'DEVICE_STATE(Custom:agentgate-2001)', Value: 'INUSE' })).Message, 'Variable Set');
    await d.action({ Action: 'Ping', ActionID: 'p1' });
    assert.deepEqual(d.events('DeviceStateChange'), []);
    await sim.restart({ freshAstdb: true });
    assert.equal(sim.deviceState('Custom:agentgate-2001'), 'UNKNOWN');
    const e = await client('off');
    const got = await e.action({ Action: 'Getvar', ActionID: 'g', Variable: 'DEVICE_STATE(Custom:agentgate-2001)' });
    assert.deepEqual([got.Response, got.Value], ['Success', 'UNKNOWN']);
  });

  test('the write class: without call, Setvar and Getvar are refused with Permission denied; queue actions still pass', async () => {
    sim.write = 'agent';
    try {
      const c = await client('off');
      const set = await c.action({ Action: 'Setvar', Variable: 'DEVICE_STATE(Custom:agentgate-2001)', Value: 'INUSE' });
      assert.deepEqual([set.Response, set.Message], ['Error', 'Permission denied']);
      const get = await c.action({ Action: 'Getvar', Variable: 'DEVICE_STATE(Custom:agentgate-2001)' });
      assert.deepEqual([get.Response, get.Message], ['Error', 'Permission denied']);
      const add = await c.action({ Action: 'QueueAdd', Queue: 'support', Interface: 'PJSIP/9' });
      assert.equal(add.Response, 'Success');
      sim.write = 'agent,call';
      const again = await c.action({ Action: 'Setvar', Variable: 'DEVICE_STATE(Custom:agentgate-2001)', Value: 'INUSE' });
      assert.deepEqual([again.Response, again.Message], ['Success', 'Variable Set']);
    } finally {
      sim.write = 'all';
    }
  });

  test("Setvar, Getvar and ExtensionState answer other input as manager.c and func_devstate do", async () => {
    const c = await client('off');
    const ask = async (h: Record<string, string>) => {
      const r = await c.action(h);
      return [r.Response, r.Message ?? r.Value];
    };
    assert.deepEqual(await ask({ Action: 'Setvar', Value: 'INUSE' }), ['Error', 'No variable specified']);
    assert.deepEqual(await ask({ Action: 'Setvar', Channel: 'PJSIP/2001-00000001', Variable: 'X', Value: '1' }), ['Error', 'No such channel']);
    assert.deepEqual(await ask({ Action: 'Setvar', Variable: 'DEVICE_STATE(PJSIP/2001)', Value: 'INUSE' }), ['Error', 'Variable not set'], 'only Custom: devices');
    assert.deepEqual(await ask({ Action: 'Setvar', Variable: 'DEVICE_STATE(Custom:)', Value: 'INUSE' }), ['Error', 'Variable not set']);
    assert.deepEqual(await ask({ Action: 'Setvar', Variable: 'DEVICE_STATE(Custom:x)', Value: 'UNKNOWN' }), ['Error', 'Variable not set']);
    assert.deepEqual(await ask({ Action: 'Setvar', Variable: 'device_state(Custom:x)', Value: 'unavailable' }), ['Success', 'Variable Set'], 'names in any case');
    assert.equal(sim.deviceState('Custom:x'), 'UNAVAILABLE');
    assert.deepEqual(await ask({ Action: 'Setvar', Variable: 'NO_SUCH_FUNCTION(x)', Value: '1' }), ['Error', 'Variable not set']);
    assert.deepEqual(await ask({ Action: 'Setvar', Variable: 'AGENTGATE_TEST', Value: 'on' }), ['Success', 'Variable Set'], 'a global variable');
    assert.deepEqual(await ask({ Action: 'Getvar', Variable: 'AGENTGATE_TEST' }), ['Success', 'on']);
    assert.deepEqual(await ask({ Action: 'Getvar', Variable: 'DEVICE_STATE(Custom:never-set)' }), ['Success', 'UNKNOWN']);
    assert.deepEqual(await ask({ Action: 'Getvar' }), ['Error', 'No variable specified']);
    assert.deepEqual(await ask({ Action: 'ExtensionState', Context: 'agentgate-lamps' }), ['Error', 'Extension not specified']);
    const none = await c.action({ Action: 'ExtensionState', Exten: '*519', Context: 'agentgate-lamps' });
    assert.deepEqual([none.Hint, none.Status, none.StatusText], ['', '-1', 'Unknown'], 'no hint: pbx.c answers -1');
  });
});

import assert from 'node:assert/strict';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SimAsterisk } from '../support/asterisk.js';
import { readTranscript, rebuild } from '../support/transcript.js';
import { until } from '../support/until.js';

const CAPTURE = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'asterisk', 'ami', '18-queue-call-lifecycle.txt');
const CALL_EVENTS = ['QueueCallerJoin', 'AgentCalled', 'QueueCallerLeave', 'AgentConnect', 'AgentComplete', 'AgentRingNoAnswer', 'AgentDump', 'QueueCallerAbandon'];

/** Every complete message of an AMI byte stream, with its CRLFs. */
function messages(stream: string): string[] {
  const body = stream.replace(/^Asterisk Call Manager\/[^\r]*\r\n/, '');
  return body.split('\r\n\r\n').slice(0, -1).map((m) => `${m}\r\n\r\n`);
}
const named = (stream: string, names: string[]) => messages(stream).filter((m) => names.some((n) => m.startsWith(`Event: ${n}\r\n`)));
const fields = (m: string) => m.split('\r\n').filter((l) => l !== '').map((l) => l.slice(0, l.indexOf(':')));

/** A raw AMI connection: bytes as they come, no library in between. */
async function rawAmi(port: number, events: string) {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  let data = '';
  const chunks: string[] = [];
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => {
    data += d;
    chunks.push(d);
  });
  const send = async (headers: Record<string, string>) => {
    socket.write(`${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
    if (headers.ActionID) await until(() => data.includes(`ActionID: ${headers.ActionID}\r\n`), `answer to ${headers.ActionID}`);
  };
  await send({ Action: 'Login', ActionID: 'login-qcall', Username: 'agentapi', Secret: 'agentapi', Events: events });
  return {
    send,
    get data() {
      return data;
    },
    /** The bytes as each read returned them. */
    chunks,
    close: () => socket.destroy(),
  };
}

describe('a queue call in the simulated Asterisk', () => {
  let sim: SimAsterisk;
  let now = 0;
  before(async () => {
    sim = await SimAsterisk.start({ username: 'agentapi', secret: 'agentapi', clock: () => now });
  });
  after(() => sim.close());

  test('plays the capture: QueueCallerJoin, AgentCalled, QueueCallerLeave, AgentConnect, AgentComplete byte for byte, and QueueStatus shows the caller, then the member InCall', async () => {
    const member = 'Local/2002@from-queue/n';
    // the capture's clock: the member logged in at 1795530501, was paused at …62, the caller joined at …63
    now = 1795530501_000;
    sim.setDeviceState('Custom:2002', 'NOT_INUSE');
    assert.ok(sim.externalAdd('support', member, '1002', 'Custom:2002'));
    const ami = await rawAmi(sim.port, 'on');
    try {
      now = 1795530562_203;
      assert.ok(sim.externalPause(member, true, 'Almoco', 'support'));
      now = 1795530563_205;
      const call = sim.callArrives('support', {
        channel: 'Local/support@queue-caller-00000005;2',
        uniqueid: '1795530562.11',
        linkedid: '1795530562.10',
        callerNum: '5511999990000',
        callerName: 'Cliente',
      });
      now = 1795530564_707;
      await ami.send({ Action: 'QueueStatus', ActionID: 'qcall-status-1', Queue: 'support' });
      now = 1795530565_711;
      assert.ok(sim.externalPause(member, false, undefined, 'support'));
      now = 1795530566_206;
      call.ring(member, { channel: 'Local/2002@from-queue-00000006;1', uniqueid: '1795530566.12' });
      now = 1795530566_300;
      call.answer(member);
      now = 1795530567_210;
      await ami.send({ Action: 'QueueStatus', ActionID: 'qcall-status-2', Queue: 'support' });
      now = 1795530570_712;
      call.hangup('agent');
      await until(() => ami.data.includes('Event: AgentComplete'), 'AgentComplete');

      const captured = rebuild(readTranscript(CAPTURE), 'out').toString('latin1');
      assert.deepEqual(
        named(captured, CALL_EVENTS).map((m) => /^Event: (\w+)/.exec(m)?.[1]),
        ['QueueCallerJoin', 'AgentCalled', 'QueueCallerLeave', 'AgentConnect', 'AgentComplete'],
      );
      assert.deepEqual(named(ami.data, CALL_EVENTS), named(captured, CALL_EVENTS));
      const status = (id: string, ev: string, s: string) => messages(s).filter((m) => m.startsWith(`Event: ${ev}\r\n`) && m.includes(`ActionID: ${id}\r\n`));
      assert.deepEqual(status('qcall-status-1', 'QueueEntry', ami.data), status('qcall-status-1', 'QueueEntry', captured));
      assert.equal(status('qcall-status-1', 'QueueEntry', captured).length, 1);
      assert.deepEqual(status('qcall-status-2', 'QueueMember', ami.data), status('qcall-status-2', 'QueueMember', captured));
      assert.match(status('qcall-status-2', 'QueueMember', captured)[0] ?? '', /\r\nInCall: 1\r\n/);
      assert.deepEqual(status('qcall-status-2', 'QueueEntry', ami.data), [], 'the caller left the queue when answered');
      assert.ok(messages(ami.data).some((m) => m.startsWith('Event: QueueParams') && m.includes('ActionID: qcall-status-1') && m.includes('\r\nCalls: 1\r\n')));
    } finally {
      ami.close();
      sim.externalRemove('support', member);
    }
  });

  test("a ring nobody answers, an agent who hangs up before the bridge and a caller who gives up carry app_queue.c's fields, in its order", async () => {
    now = 1795531000_000;
    assert.ok(sim.externalAdd('sales', 'PJSIP/2001', 'Maria Silva'));
    const ami = await rawAmi(sim.port, 'agent');
    try {
      const a = sim.callArrives('sales', { callerNum: '1133334444', callerName: 'Loja' });
      a.ring('PJSIP/2001');
      now += 15_000;
      a.noAnswer('PJSIP/2001');
      a.ring('PJSIP/2001');
      a.dump('PJSIP/2001');
      now += 2_000;
      a.abandon();
      await until(() => ami.data.includes('Event: QueueCallerAbandon'), 'QueueCallerAbandon');
      await until(() => named(ami.data, ['QueueCallerLeave']).length === 1, 'QueueCallerLeave');
      const got = named(ami.data, CALL_EVENTS);
      assert.deepEqual(
        got.map((m) => /^Event: (\w+)/.exec(m)?.[1]),
        ['QueueCallerJoin', 'AgentCalled', 'AgentRingNoAnswer', 'AgentCalled', 'AgentDump', 'QueueCallerAbandon', 'QueueCallerLeave'],
      );
      const channel = ['Channel', 'ChannelState', 'ChannelStateDesc', 'CallerIDNum', 'CallerIDName', 'ConnectedLineNum', 'ConnectedLineName', 'Language', 'AccountCode', 'Context', 'Exten', 'Priority', 'Uniqueid', 'Linkedid'];
      const dest = channel.map((f) => `Dest${f}`);
      const head = ['Event', 'Privilege'];
      assert.deepEqual(fields(got[2]!), [...head, ...channel, ...dest, 'Queue', 'Interface', 'MemberName', 'RingTime']);
      assert.match(got[2]!, /\r\nRingTime: 15000\r\n/, 'RingTime in milliseconds');
      assert.match(got[2]!, /\r\nPrivilege: agent,all\r\n/);
      assert.match(got[2]!, /\r\nDestChannel: PJSIP\/2001-[0-9a-f]{8}\r\n/);
      assert.deepEqual(fields(got[4]!), [...head, ...channel, ...dest, 'Queue', 'Interface', 'MemberName']);
      assert.deepEqual(fields(got[5]!), [...head, ...channel, 'Queue', 'Position', 'OriginalPosition', 'HoldTime']);
      assert.match(got[5]!, /\r\nHoldTime: 17\r\n/);
      assert.match(got[6]!, /\r\nPosition: 1\r\nCount: 0\r\n/);
    } finally {
      ami.close();
      sim.externalRemove('sales', 'PJSIP/2001');
    }
  });

  test('afterNextAnswer: the QueueStatus answer and the AgentComplete that follows it leave in one write, so they arrive in one read', async () => {
    now = 1795533000_000;
    assert.ok(sim.externalAdd('support', 'PJSIP/2001', 'Maria Silva'));
    const ami = await rawAmi(sim.port, 'agent');
    try {
      const a = sim.callArrives('support', { callerNum: '1133334444' });
      a.ring('PJSIP/2001').answer('PJSIP/2001');
      await until(() => ami.data.includes('Event: AgentConnect'), 'AgentConnect');
      sim.afterNextAnswer('QueueStatus', () => a.hangup('caller'));
      await ami.send({ Action: 'QueueStatus', ActionID: 'snap' });
      await until(() => ami.data.includes('Event: AgentComplete'), 'AgentComplete');
      const chunk = ami.chunks.find((c) => c.includes('Event: QueueStatusComplete'));
      assert.ok(chunk, 'the list arrived');
      assert.match(chunk, /^Response: Success\r\nActionID: snap\r\n[^]*\r\nInCall: 1\r\n[^]*Event: QueueStatusComplete\r\nActionID: snap\r\n[^]*\r\n\r\nEvent: AgentComplete\r\n[^]*\r\nReason: caller\r\n\r\n$/);
    } finally {
      ami.close();
      sim.externalRemove('support', 'PJSIP/2001');
    }
  });

  test('Asterisk does not ring a paused member; CoreShowChannels lists the calls, or answers Permission denied to an account without the class', async () => {
    now = 1795532000_000;
    assert.ok(sim.externalAdd('support', 'PJSIP/2001', 'Maria Silva'));
    assert.ok(sim.externalAdd('support', 'PJSIP/2002', 'João Souza', undefined, { paused: true, reason: 'Almoco' }));
    const ami = await rawAmi(sim.port, 'off');
    try {
      const a = sim.callArrives('support', { callerNum: '1133334444' });
      assert.throws(() => a.ring('PJSIP/2002'), /paused/);
      a.ring('PJSIP/2001').answer('PJSIP/2001');
      now += 65_000;
      await ami.send({ Action: 'CoreShowChannels', ActionID: 'chans' });
      await until(() => ami.data.includes('Event: CoreShowChannelsComplete'), 'the list');
      const list = messages(ami.data).filter((m) => m.includes('ActionID: chans'));
      assert.match(list[0]!, /^Response: Success\r\nActionID: chans\r\nEventList: start\r\nMessage: Channels will follow\r\n\r\n$/);
      const member = list.find((m) => /\r\nChannel: PJSIP\/2001-/.test(m));
      assert.ok(member, 'the member leg is listed');
      assert.match(member, /\r\nConnectedLineNum: 1133334444\r\n/);
      assert.match(member, /\r\nBridgeId: [0-9a-f-]{36}\r\n/);
      assert.match(member, /\r\nDuration: 00:01:05\r\n/);
      assert.match(list.at(-1)!, /^Event: CoreShowChannelsComplete\r\nActionID: chans\r\nEventList: Complete\r\nListItems: 2\r\n\r\n$/);
      sim.write = 'agent,call';
      await ami.send({ Action: 'CoreShowChannels', ActionID: 'denied' });
      assert.ok(ami.data.includes('Response: Error\r\nActionID: denied\r\nMessage: Permission denied\r\n\r\n'));
      sim.write = 'all';
      a.hangup('caller');
    } finally {
      ami.close();
      sim.externalRemove('support', 'PJSIP/2001');
      sim.externalRemove('support', 'PJSIP/2002');
    }
  });
});

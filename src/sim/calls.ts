/**
 * app_queue.c's callers, driven by a test (or the demo): a call joins a queue, rings members, is
 * answered and ends, with the events Asterisk publishes for each step — field for field and in the
 * order of test/fixtures/asterisk/ami/18-queue-call-lifecycle.txt (QueueCallerJoin, AgentCalled,
 * QueueCallerLeave, AgentConnect, AgentComplete), plus AgentRingNoAnswer, AgentDump and
 * QueueCallerAbandon as app_queue.c builds them. Only these `agent`-class events are modelled: the
 * channels' own `call`/`dialplan` events (Newchannel, DialBegin, Hangup…) are not sent, and the
 * members' device state does not change by itself (as with the capture's `Custom:` state
 * interfaces; `setDeviceState` changes it). QueueStatus shows the callers (`QueueEntry`) and the
 * members on a call (`InCall: 1`); CoreShowChannels lists the calls' channels.
 */
import { randomUUID } from 'node:crypto';
import type { EventQueue } from './events.js';
import { FLAG, idLine, listComplete, type Message, response } from './protocol.js';
import { callerFields, hms, legFields, memberFields, position, sec } from './call-fields.js';
import type { Caller, CallerOptions, Leg, RingOptions } from './model.js';
import { findMember, type Queues } from './queues.js';

export type { Caller, CallerOptions, RingOptions } from './model.js';

export class SimCalls {
  private readonly active = new Set<Caller>();
  private channelSeq = 0;
  private idSeq = 0;

  constructor(
    private readonly queues: Queues,
    private readonly events: EventQueue,
    private readonly clock: () => number,
  ) {}

  /** join_queue(): the caller is in the queue, last; QueueCallerJoin. */
  arrive(queueName: string, o: CallerOptions = {}): SimCall {
    const queue = this.queues.find(queueName);
    if (!queue) throw new Error(`no queue ${queueName}`);
    const seq = this.nextChannelSeq();
    const linkedid = o.linkedid ?? this.nextUniqueid();
    const c: Caller = {
      queue,
      channel: o.channel ?? `Local/${queue.name}@queue-caller-${seq};2`,
      uniqueid: o.uniqueid ?? this.nextUniqueid(),
      linkedid,
      callerNum: o.callerNum ?? '5511999990000',
      callerName: o.callerName ?? 'Cliente',
      context: o.context ?? 'queue-caller',
      exten: o.exten ?? queue.name,
      start: this.clock(),
      opos: queue.callers.length + 1,
      legs: [],
      ended: false,
    };
    queue.callers.push(c);
    this.active.add(c);
    this.publish('QueueCallerJoin', c, undefined, [
      ['Queue', queue.name],
      ['Position', String(c.opos)],
      ['Count', String(queue.callers.length)],
    ]);
    return new SimCall(this, c);
  }

  /** ring_entry(): AgentCalled for a member of the caller's queue that Asterisk would ring. */
  ring(c: Caller, iface: string, o: RingOptions = {}): void {
    this.mustWait(c, 'ring');
    const member = findMember(c.queue, iface);
    if (!member) throw new Error(`${iface} is not a member of ${c.queue.name}`);
    if (member.paused) throw new Error(`${iface} is paused in ${c.queue.name}: Asterisk does not ring it`);
    if (member.inCall && !member.ringinuse) throw new Error(`${iface} is on a call: Asterisk does not ring it (ringinuse=no)`);
    if (c.legs.some((l) => l.member === member)) throw new Error(`${iface} is already ringing`);
    const local = /^Local\/([^/]+)\/?/i.exec(member.interface);
    const leg: Leg = {
      member,
      channel: o.channel ?? (local ? `Local/${local[1]}-${this.nextChannelSeq()};1` : `${member.interface}-${this.nextChannelSeq()}`),
      uniqueid: o.uniqueid ?? this.nextUniqueid(),
      context: local ? (local[1]!.split('@')[1] ?? 'default') : c.context,
      ringStart: this.clock(),
      up: false,
    };
    c.legs.push(leg);
    this.publish('AgentCalled', c, leg, memberFields(member));
  }

  /** The member answers: the other legs are hung up (no event), QueueCallerLeave, AgentConnect. */
  answer(c: Caller, iface: string): void {
    this.mustWait(c, 'answer');
    const leg = this.leg(c, iface);
    c.legs = [leg];
    leg.up = true;
    const now = this.clock();
    const holdS = sec(now) - sec(c.start);
    this.leave(c);
    leg.member.inCall = true;
    c.answered = { leg, at: now, holdS, bridge: randomUUID() };
    this.publish('AgentConnect', c, leg, [
      ...memberFields(leg.member),
      ['HoldTime', String(holdS)],
      ['RingTime', String(Math.floor((now - leg.ringStart) / 1000))],
    ]);
  }

  /** rna(): the member did not answer (timeout, busy); RingTime in milliseconds. */
  noAnswer(c: Caller, iface: string, ringMs?: number): void {
    this.mustWait(c, 'time out a ring of');
    const leg = this.leg(c, iface);
    c.legs = c.legs.filter((l) => l !== leg);
    const ms = ringMs ?? (sec(this.clock()) - sec(leg.ringStart)) * 1000;
    this.publish('AgentRingNoAnswer', c, leg, [...memberFields(leg.member), ['RingTime', String(ms)]]);
  }

  /** The member hung up before being connected (try_calling's AgentDump); the caller keeps waiting. */
  dump(c: Caller, iface: string): void {
    this.mustWait(c, 'dump');
    const leg = this.leg(c, iface);
    c.legs = c.legs.filter((l) => l !== leg);
    leg.up = true;
    this.publish('AgentDump', c, leg, memberFields(leg.member));
  }

  /** The caller hangs up while waiting or ringing: QueueCallerAbandon, then QueueCallerLeave. */
  abandon(c: Caller): void {
    this.mustWait(c, 'abandon');
    c.legs = [];
    this.publish('QueueCallerAbandon', c, undefined, [
      ['Queue', c.queue.name],
      ['Position', String(position(c))],
      ['OriginalPosition', String(c.opos)],
      ['HoldTime', String(sec(this.clock()) - sec(c.start))],
    ]);
    this.leave(c);
    this.end(c);
  }

  /**
   * The caller pressed a key that leaves the queue (Queue()'s exit context): only QueueCallerLeave;
   * the members ringing for it are hung up without an event.
   */
  exitWithKey(c: Caller): void {
    this.mustWait(c, 'exit');
    c.legs = [];
    this.leave(c);
    this.end(c);
  }

  /** The bridge ends: AgentComplete (`Reason`: caller, agent or transfer); the member is free again. */
  hangup(c: Caller, by: 'caller' | 'agent' | 'transfer'): void {
    const a = c.answered;
    if (!a || c.ended) throw new Error('hang up a call that was not answered');
    const now = this.clock();
    a.leg.member.inCall = false;
    a.leg.member.callsTaken += 1;
    a.leg.member.lastCall = sec(now);
    this.publish('AgentComplete', c, a.leg, [
      ...memberFields(a.leg.member),
      ['HoldTime', String(a.holdS)],
      ['TalkTime', String(sec(now) - sec(a.at))],
      ['Reason', by],
    ]);
    this.end(c);
  }

  /** Like an Asterisk restart: every call is gone, without a word. */
  reset(): void {
    for (const c of this.active) c.ended = true;
    this.active.clear();
  }

  /** manager.c action_coreshowchannels(): every channel of the calls, callers first. */
  coreShowChannels(m: Message, out: string[]): void {
    out.push(response(m, 'Success', 'Channels will follow', 'start'));
    const id = idLine(m);
    const now = this.clock();
    let items = 0;
    const add = (fields: Array<[string, string]>) => {
      out.push(`Event: CoreShowChannel\r\n${id}${fields.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
      items++;
    };
    for (const c of this.active) {
      const bridge = c.answered?.bridge ?? '';
      add([
        ...callerFields(c, ''),
        ['BridgeId', bridge],
        ['Application', 'Queue'],
        ['ApplicationData', `${c.queue.name},,,,60`],
        ['Duration', hms(now - c.start)],
      ]);
      for (const leg of c.legs) {
        add([
          ...legFields(c, leg, ''),
          ['BridgeId', leg.up ? bridge : ''],
          ['Application', 'AppQueue'],
          ['ApplicationData', '(Outgoing Line)'],
          ['Duration', hms(now - leg.ringStart)],
        ]);
      }
    }
    out.push(listComplete(m, 'CoreShowChannelsComplete', items));
  }

  private leave(c: Caller): void {
    const q = c.queue;
    const pos = position(c);
    q.callers = q.callers.filter((x) => x !== c);
    this.publish('QueueCallerLeave', c, undefined, [
      ['Queue', q.name],
      ['Position', String(pos)],
      ['Count', String(q.callers.length)],
    ]);
  }

  private end(c: Caller): void {
    c.ended = true;
    this.active.delete(c);
  }

  private mustWait(c: Caller, what: string): void {
    if (c.ended || c.answered || !c.queue.callers.includes(c)) throw new Error(`cannot ${what} a caller that is no longer waiting`);
  }

  private leg(c: Caller, iface: string): Leg {
    const leg = c.legs.find((l) => l.member.interface.toLowerCase() === iface.toLowerCase());
    if (!leg) throw new Error(`${iface} is not ringing for this caller`);
    return leg;
  }

  private publish(name: string, c: Caller, leg: Leg | undefined, fields: Array<[string, string]>): void {
    this.events.publish(FLAG.agent, name, [...callerFields(c, ''), ...(leg ? legFields(c, leg, 'Dest') : []), ...fields]);
    this.events.flush();
  }

  private nextChannelSeq(): string {
    return (this.channelSeq++).toString(16).padStart(8, '0');
  }

  /** `<epoch seconds>.<n>`, as Asterisk names channels. */
  private nextUniqueid(): string {
    return `${sec(this.clock())}.${this.idSeq++}`;
  }
}

/** A caller, as a test drives it. */
export class SimCall {
  constructor(
    private readonly calls: SimCalls,
    readonly caller: Caller,
  ) {}

  get uniqueid(): string {
    return this.caller.uniqueid;
  }

  ring(iface: string, o?: RingOptions): this {
    this.calls.ring(this.caller, iface, o);
    return this;
  }

  answer(iface: string): this {
    this.calls.answer(this.caller, iface);
    return this;
  }

  noAnswer(iface: string, ringMs?: number): this {
    this.calls.noAnswer(this.caller, iface, ringMs);
    return this;
  }

  dump(iface: string): this {
    this.calls.dump(this.caller, iface);
    return this;
  }

  abandon(): this {
    this.calls.abandon(this.caller);
    return this;
  }

  exitWithKey(): this {
    this.calls.exitWithKey(this.caller);
    return this;
  }

  hangup(by: 'caller' | 'agent' | 'transfer' = 'caller'): this {
    this.calls.hangup(this.caller, by);
    return this;
  }
}

/** The caller's channel snapshot (manager.c ast_manager_build_channel_state_string_prefix). */

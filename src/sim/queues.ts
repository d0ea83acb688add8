/** app_queue.c's dynamic members: the queue/member model and what changing it publishes. */
import { deviceKey, DS } from './devices.js';
import { type EventQueue, memberBlob } from './events.js';
import { bucketOrder, MEMBER_BUCKETS, memberHash, QUEUE_BUCKETS, strCaseHash } from './ordering.js';
import { FLAG } from './protocol.js';
import type { Member, Queue } from './model.js';

export interface SimMember {
  queue: string;
  interface: string;
  memberName: string;
  stateInterface: string;
  paused: boolean;
  reason: string;
  loginTime: number;
  lastPause: number;
  penalty: number;
  /** Asterisk device state number (1 = NOT_INUSE, 2 = INUSE, ...), as shown in `Status:`. */
  status: number;
  wrapuptime: number;
  /** On a call answered from this queue. */
  inCall: boolean;
}

export type { Member, Queue } from './model.js';

export interface NewMember {
  queue: string;
  iface: string;
  memberName: string;
  penalty: number;
  paused: boolean;
  stateInterface: string;
  reason: string;
  wrapuptime: number;
}

/** Who changed the membership, as queue_log's callid field records it. */
type Origin = 'MANAGER' | 'CLI';

export type ChangeResult = 'ok' | 'exists' | 'nosuchqueue';

export class Queues {
  /** queue_log lines this PBX would have written (`epoch|callid|queue|agent|event|data`). */
  readonly queueLog: string[] = [];
  private readonly queues: Queue[] = [];
  private readonly deviceStates = new Map<string, number>();
  /** The devices some member's state interface answers to; rebuilt after a membership change (a lamp sweep sets thousands of devices no member uses). */
  private memberDevices: Set<string> | undefined;
  private seq = 0;

  constructor(
    private readonly events: EventQueue,
    private readonly clock: () => number,
    private readonly defaultDeviceState: number,
  ) {}

  addQueue(name: string): void {
    if (this.find(name)) return;
    this.queues.push({ name, members: [], seq: this.seq++, ringinuse: false, callers: [] });
  }

  find(name: string): Queue | undefined {
    const lower = name.toLowerCase();
    return this.queues.find((q) => q.name.toLowerCase() === lower);
  }

  ordered(): Queue[] {
    return bucketOrder(this.queues, (q) => strCaseHash(q.name) % QUEUE_BUCKETS);
  }

  orderedMembers(q: Queue): Member[] {
    return bucketOrder(q.members, (m) => memberHash(m.interface) % MEMBER_BUCKETS);
  }

  /** Like a restart with persistentmembers off: every dynamic member is lost. */
  restart(): void {
    for (const q of this.queues) {
      q.members = [];
      q.callers = [];
    }
    this.memberDevices = undefined;
    this.queueLog.push(`${this.now()}|NONE|NONE|NONE|QUEUESTART|`);
  }

  /** add_to_queue() and member_add_to_queue(). */
  add(origin: Origin, n: NewMember): ChangeResult {
    const q = this.find(n.queue);
    if (!q) return 'nosuchqueue';
    if (findMember(q, n.iface)) return 'exists';
    const now = this.now();
    const si = n.stateInterface === '' ? n.iface : n.stateInterface;
    const mem: Member = {
      queue: q,
      interface: n.iface,
      memberName: n.memberName === '' ? n.iface : n.memberName,
      stateInterface: si,
      penalty: n.penalty,
      paused: n.paused,
      reason: n.paused ? n.reason : '',
      loginTime: now,
      lastPause: n.paused ? now : 0,
      status: this.deviceStates.get(deviceKey(si)) ?? this.defaultDeviceState,
      callsTaken: 0,
      lastCall: 0,
      wrapuptime: n.wrapuptime,
      ringinuse: q.ringinuse,
      seq: this.seq++,
      inCall: false,
    };
    q.members.push(mem);
    this.memberDevices = undefined;
    this.events.deviceState(`Queue:${q.name}_pause_${mem.interface}`, mem.paused ? DS.INUSE : DS.NOT_INUSE);
    this.events.publish(FLAG.agent, 'QueueMemberAdded', memberBlob(mem));
    if (isMemberAvailable(mem)) this.events.deviceState(`Queue:${q.name}_avail`, DS.NOT_INUSE);
    this.log(q.name, origin, n.iface, 'ADDMEMBER', n.paused ? 'PAUSED' : '');
    return 'ok';
  }

  /** remove_from_queue() and member_remove_from_queue(). */
  remove(origin: Origin, queueName: string, iface: string): ChangeResult {
    const q = this.find(queueName);
    if (!q) return 'nosuchqueue';
    const mem = findMember(q, iface);
    if (!mem) return 'exists';
    this.events.publish(FLAG.agent, 'QueueMemberRemoved', memberBlob(mem));
    q.members = q.members.filter((x) => x !== mem);
    this.memberDevices = undefined;
    this.events.deviceState(`Queue:${q.name}_pause_${mem.interface}`, DS.NOT_INUSE);
    this.log(q.name, origin, iface, 'REMOVEMEMBER', '');
    return 'ok';
  }

  /** set_member_paused(): an empty queue name means every queue the interface is in. */
  setPaused(queueName: string, iface: string, reason: string, paused: boolean): boolean {
    let found = 0;
    for (const q of this.ordered()) {
      if (queueName !== '' && q.name.toLowerCase() !== queueName.toLowerCase()) continue;
      const mem = findMember(q, iface);
      if (mem) {
        found++;
        if (found === 1 && queueName === '') this.log('NONE', 'NONE', mem.memberName, paused ? 'PAUSEALL' : 'UNPAUSEALL', reason);
        this.setMemberPause(q, mem, reason, paused);
      }
      if (queueName !== '') break;
    }
    return found > 0;
  }

  /** The state a device was last set to (CLI `devstate change`, Setvar DEVICE_STATE), if it was. */
  deviceState(device: string): number | undefined {
    return this.deviceStates.get(deviceKey(device));
  }

  /** The device is as if never set (a Custom: device whose astdb entry is gone). */
  forgetDeviceState(device: string): void {
    this.deviceStates.delete(deviceKey(device));
  }

  /** app_queue.c device_state_cb(). */
  setDeviceState(device: string, state: number): void {
    const key = deviceKey(device);
    this.deviceStates.set(key, state);
    this.events.deviceState(device, state);
    this.memberDevices ??= new Set(this.queues.flatMap((q) => q.members.map((m) => deviceKey(m.stateInterface))));
    if (!this.memberDevices.has(key)) return;
    for (const q of this.ordered()) {
      let found = false;
      let avail = false;
      for (const m of this.orderedMembers(q)) {
        if (deviceKey(m.stateInterface) === key) {
          found = true;
          if (m.status !== state) {
            m.status = state;
            this.events.publish(FLAG.agent, 'QueueMemberStatus', memberBlob(m));
          }
        }
        if (!avail) avail = isMemberAvailable(m);
      }
      if (found) this.events.deviceState(`Queue:${q.name}_avail`, avail ? DS.NOT_INUSE : DS.INUSE);
    }
  }

  private setMemberPause(q: Queue, mem: Member, reason: string, paused: boolean): void {
    mem.paused = paused;
    if (paused) mem.lastPause = this.now();
    mem.reason = paused ? reason : '';
    this.events.deviceState(`Queue:${q.name}_pause_${mem.interface}`, paused ? DS.INUSE : DS.NOT_INUSE);
    if (isMemberAvailable(mem)) {
      this.events.deviceState(`Queue:${q.name}_avail`, DS.NOT_INUSE);
    } else if (!q.members.some(isMemberAvailable)) {
      this.events.deviceState(`Queue:${q.name}_avail`, DS.INUSE);
    }
    this.log(q.name, 'NONE', mem.memberName, paused ? 'PAUSE' : 'UNPAUSE', reason);
    this.events.publish(FLAG.agent, 'QueueMemberPause', memberBlob(mem));
  }

  /** The wall clock in whole seconds (time_t). */
  now(): number {
    return Math.floor(this.clock() / 1000);
  }

  private log(queue: string, callid: string, agent: string, event: string, data: string): void {
    this.queueLog.push(`${this.now()}|${callid}|${queue}|${agent}|${event}|${data}`);
  }
}

export function findMember(q: Queue, iface: string): Member | undefined {
  const lower = iface.toLowerCase();
  return q.members.find((m) => m.interface.toLowerCase() === lower);
}

/** app_queue.c is_member_available() (no wrapup: no calls are modelled). */
export function isMemberAvailable(m: Member): boolean {
  switch (m.status) {
    case DS.INVALID:
    case DS.UNAVAILABLE:
      return false;
    case DS.INUSE:
    case DS.BUSY:
    case DS.RINGING:
    case DS.RINGINUSE:
    case DS.ONHOLD:
      return m.ringinuse && !m.paused;
    default:
      return !m.paused;
  }
}

export function publicMember(m: Member): SimMember {
  return {
    queue: m.queue.name,
    interface: m.interface,
    memberName: m.memberName,
    stateInterface: m.stateInterface,
    paused: m.paused,
    reason: m.reason,
    loginTime: m.loginTime,
    lastPause: m.lastPause,
    penalty: m.penalty,
    status: m.status,
    wrapuptime: m.wrapuptime,
    inCall: m.inCall,
  };
}

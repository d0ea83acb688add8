/** app_queue.c's manager actions: QueueAdd, QueueRemove, QueuePause, QueueStatus, QueueSummary. */
import { DS } from './devices.js';
import { astTrue, idLine, listComplete, type Message, response } from './protocol.js';
import type { Queue, Queues } from './queues.js';

type QueueAction = (queues: Queues, m: Message, out: string[]) => void;

function queueAdd(queues: Queues, m: Message, out: string[]): void {
  const queue = m.get('Queue');
  const iface = m.get('Interface');
  if (queue === '') return void out.push(response(m, 'Error', "'Queue' not specified."));
  if (iface === '') return void out.push(response(m, 'Error', "'Interface' not specified."));
  const pausedS = m.get('Paused');
  const res = queues.add('MANAGER', {
    queue,
    iface,
    memberName: m.get('MemberName'),
    penalty: nonNegativeInt(m.get('Penalty')),
    paused: pausedS !== '' && astTrue(pausedS),
    stateInterface: m.get('StateInterface'),
    reason: m.get('Reason'),
    wrapuptime: nonNegativeInt(m.get('Wrapuptime')),
  });
  switch (res) {
    case 'ok':
      return void out.push(response(m, 'Success', 'Added interface to queue'));
    case 'exists':
      return void out.push(response(m, 'Error', 'Unable to add interface: Already there'));
    case 'nosuchqueue':
      return void out.push(response(m, 'Error', 'Unable to add interface to queue: No such queue'));
  }
}

function queueRemove(queues: Queues, m: Message, out: string[]): void {
  const queue = m.get('Queue');
  const iface = m.get('Interface');
  if (queue === '' || iface === '') return void out.push(response(m, 'Error', "Need 'Queue' and 'Interface' parameters."));
  switch (queues.remove('MANAGER', queue, iface)) {
    case 'ok':
      return void out.push(response(m, 'Success', 'Removed interface from queue'));
    case 'exists':
      return void out.push(response(m, 'Error', 'Unable to remove interface: Not there'));
    case 'nosuchqueue':
      return void out.push(response(m, 'Error', 'Unable to remove interface from queue: No such queue'));
  }
}

function queuePause(queues: Queues, m: Message, out: string[]): void {
  const iface = m.get('Interface');
  const pausedS = m.get('Paused');
  if (iface === '' || pausedS === '') return void out.push(response(m, 'Error', "Need 'Interface' and 'Paused' parameters."));
  const paused = astTrue(pausedS);
  if (!queues.setPaused(m.get('Queue'), iface, m.get('Reason'), paused)) {
    out.push(response(m, 'Error', 'Interface not found'));
  } else {
    out.push(response(m, 'Success', paused ? 'Interface paused successfully' : 'Interface unpaused successfully'));
  }
}

function queueStatus(queues: Queues, m: Message, out: string[]): void {
  const queueFilter = m.get('Queue');
  const memberFilter = m.get('Member');
  const id = idLine(m);
  out.push(response(m, 'Success', 'Queue status will follow', 'start'));
  let items = 0;
  for (const q of queues.ordered()) {
    if (queueFilter !== '' && q.name.toLowerCase() !== queueFilter.toLowerCase()) continue;
    out.push(
      'Event: QueueParams\r\n' +
        `Queue: ${q.name}\r\n` +
        `Max: 0\r\nStrategy: ringall\r\nCalls: ${q.callers.length}\r\n` +
        'Holdtime: 0\r\nTalkTime: 0\r\nCompleted: 0\r\nAbandoned: 0\r\n' +
        'ServiceLevel: 0\r\nServicelevelPerf: 0.0\r\nServicelevelPerf2: 0.0\r\nWeight: 0\r\n' +
        `${id}\r\n`,
    );
    items++;
    for (const mem of queues.orderedMembers(q)) {
      if (memberFilter !== '' && mem.interface !== memberFilter && mem.memberName !== memberFilter) continue;
      out.push(
        'Event: QueueMember\r\n' +
          `Queue: ${q.name}\r\n` +
          `Name: ${mem.memberName}\r\n` +
          `Location: ${mem.interface}\r\n` +
          `StateInterface: ${mem.stateInterface}\r\n` +
          'Membership: dynamic\r\n' +
          `Penalty: ${mem.penalty}\r\n` +
          `CallsTaken: ${mem.callsTaken}\r\n` +
          `LastCall: ${mem.lastCall}\r\n` +
          `LastPause: ${mem.lastPause}\r\n` +
          `LoginTime: ${mem.loginTime}\r\n` +
          `InCall: ${mem.inCall ? 1 : 0}\r\n` +
          `Status: ${mem.status}\r\n` +
          `Paused: ${mem.paused ? 1 : 0}\r\n` +
          `PausedReason: ${mem.reason}\r\n` +
          `Wrapuptime: ${mem.wrapuptime}\r\n` +
          `${id}\r\n`,
      );
      items++;
    }
    items += queueEntries(q, queues.now(), id, out);
  }
  out.push(listComplete(m, 'QueueStatusComplete', items));
}

function queueSummary(queues: Queues, m: Message, out: string[]): void {
  const queueFilter = m.get('Queue');
  const id = idLine(m);
  out.push(response(m, 'Success', 'Queue summary will follow', 'start'));
  let items = 0;
  for (const q of queues.ordered()) {
    if (queueFilter !== '' && q.name.toLowerCase() !== queueFilter.toLowerCase()) continue;
    let loggedIn = 0;
    let available = 0;
    for (const mem of q.members) {
      if (mem.status === DS.UNAVAILABLE || mem.status === DS.INVALID) continue;
      loggedIn++;
      if ((mem.status === DS.NOT_INUSE || mem.status === DS.UNKNOWN) && !mem.paused) available++;
    }
    out.push(
      'Event: QueueSummary\r\n' +
        `Queue: ${q.name}\r\n` +
        `LoggedIn: ${loggedIn}\r\nAvailable: ${available}\r\nCallers: ${q.callers.length}\r\nHoldTime: 0\r\nTalkTime: 0\r\n` +
        `LongestHoldTime: ${q.callers[0] ? queues.now() - Math.floor(q.callers[0].start / 1000) : 0}\r\n` +
        `${id}\r\n`,
    );
    items++;
  }
  out.push(listComplete(m, 'QueueSummaryComplete', items));
}

/** The callers waiting in a queue, as QueueStatus lists them after its members (src/sim/calls.ts). */
function queueEntries(q: Queue, now: number, id: string, out: string[]): number {
  q.callers.forEach((c, i) => {
    out.push(
      'Event: QueueEntry\r\n' +
        `Queue: ${q.name}\r\nPosition: ${i + 1}\r\nChannel: ${c.channel}\r\nUniqueid: ${c.uniqueid}\r\n` +
        `CallerIDNum: ${c.callerNum}\r\nCallerIDName: ${c.callerName}\r\nConnectedLineNum: ${c.callerNum}\r\nConnectedLineName: ${c.callerName}\r\n` +
        `Wait: ${now - Math.floor(c.start / 1000)}\r\nPriority: 0\r\n${id}\r\n`,
    );
  });
  return q.callers.length;
}

function nonNegativeInt(s: string): number {
  const n = Number.parseInt(s, 10);
  return Number.isFinite(n) && n >= 0 ? n : 0;
}

/** By lower-cased Action name. */
export const queueActions: ReadonlyMap<string, QueueAction> = new Map([
  ['queueadd', queueAdd],
  ['queueremove', queueRemove],
  ['queuepause', queuePause],
  ['queuestatus', queueStatus],
  ['queuesummary', queueSummary],
]);

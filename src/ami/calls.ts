import type { AmiMessage } from './framer.js';
import type { CallEvent, ChannelInfo, QueueCalls } from './pbx.js';

/** app_queue's call events by AMI name (test/fixtures/asterisk/ami/18-queue-call-lifecycle.txt). */
const CALL_EVENTS: Record<string, CallEvent['kind'] | undefined> = {
  QueueCallerJoin: 'join',
  QueueCallerLeave: 'leave',
  QueueCallerAbandon: 'abandon',
  AgentCalled: 'called',
  AgentConnect: 'connect',
  AgentComplete: 'complete',
  AgentRingNoAnswer: 'ringNoAnswer',
  AgentDump: 'dump',
};

/** The event as a CallEvent, or undefined when it is not one of app_queue's call events. */
export function toCallEvent(e: AmiMessage): CallEvent | undefined {
  const kind = CALL_EVENTS[e.Event ?? ''];
  if (!kind || !e.Queue || !e.Uniqueid) return undefined;
  const ev: CallEvent = {
    kind,
    queue: e.Queue,
    uniqueid: e.Uniqueid,
    linkedid: e.Linkedid ?? e.Uniqueid,
    callerNum: known(e.CallerIDNum),
    callerName: known(e.CallerIDName),
  };
  if (e.Interface !== undefined) {
    ev.interface = e.Interface;
    ev.memberUniqueid = e.DestUniqueid ?? '';
  }
  const hold = int(e.HoldTime);
  if (hold !== undefined) ev.holdS = hold;
  const talk = int(e.TalkTime);
  if (talk !== undefined) ev.talkS = talk;
  // AgentRingNoAnswer's RingTime is milliseconds; AgentConnect's is seconds (not kept).
  if (kind === 'ringNoAnswer') ev.ringMs = int(e.RingTime) ?? 0;
  if (kind === 'complete') ev.reason = e.Reason ?? '';
  return ev;
}

/** A QueueStatus answer (every queue) read for its calls: members' `InCall` and the `QueueEntry` lines. */
export function toQueueCalls(events: AmiMessage[]): QueueCalls {
  const out: QueueCalls = { inCall: [], waiting: [] };
  for (const e of events) {
    if (e.Event === 'QueueMember' && e.InCall === '1') out.inCall.push({ queue: e.Queue ?? '', interface: e.Location ?? '' });
    else if (e.Event === 'QueueEntry' && e.Uniqueid) {
      out.waiting.push({ queue: e.Queue ?? '', uniqueid: e.Uniqueid, waitS: int(e.Wait) ?? 0 });
    }
  }
  return out;
}

export function toChannels(events: AmiMessage[]): ChannelInfo[] {
  return events
    .filter((e) => e.Event === 'CoreShowChannel' && e.Channel)
    .map((e) => ({
      channel: e.Channel ?? '',
      linkedid: e.Linkedid ?? '',
      connectedNum: known(e.ConnectedLineNum),
      connectedName: known(e.ConnectedLineName),
      bridged: (e.BridgeId ?? '') !== '',
      durationS: duration(e.Duration),
    }));
}

/** Asterisk writes `<unknown>` (or nothing) where a channel has no caller id. */
function known(v: string | undefined): string | null {
  return v === undefined || v === '' || v === '<unknown>' ? null : v;
}

function int(v: string | undefined): number | undefined {
  if (v === undefined || !/^-?\d+$/.test(v)) return undefined;
  return Number(v);
}

/** CoreShowChannel's `Duration: HH:MM:SS`. */
function duration(v: string | undefined): number {
  const m = /^(\d+):(\d{2}):(\d{2})$/.exec(v ?? '');
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : 0;
}

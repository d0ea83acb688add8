/** The fields app_queue.c puts on its caller and agent events, built from the simulated calls' data. */
import type { Caller, Leg, Member } from './model.js';

export function callerFields(c: Caller, prefix: '' | 'Dest'): Array<[string, string]> {
  return snapshot(prefix, {
    channel: c.channel,
    state: 6,
    callerNum: c.callerNum,
    callerName: c.callerName,
    context: c.context,
    exten: c.exten,
    priority: '2',
    uniqueid: c.uniqueid,
    linkedid: c.linkedid,
  });
}

/** The member's channel: it carries the caller's id, as the capture's does. */
export function legFields(c: Caller, leg: Leg, prefix: '' | 'Dest'): Array<[string, string]> {
  return snapshot(prefix, {
    channel: leg.channel,
    state: leg.up ? 6 : 0,
    callerNum: c.callerNum,
    callerName: c.callerName,
    context: leg.context,
    exten: c.exten,
    priority: '1',
    uniqueid: leg.uniqueid,
    linkedid: c.linkedid,
  });
}

const STATE_DESC: Record<number, string> = { 0: 'Down', 4: 'Ring', 5: 'Ringing', 6: 'Up' };

export function snapshot(
  p: string,
  s: { channel: string; state: number; callerNum: string; callerName: string; context: string; exten: string; priority: string; uniqueid: string; linkedid: string },
): Array<[string, string]> {
  return [
    [`${p}Channel`, s.channel],
    [`${p}ChannelState`, String(s.state)],
    [`${p}ChannelStateDesc`, STATE_DESC[s.state] ?? 'Unknown'],
    [`${p}CallerIDNum`, s.callerNum || '<unknown>'],
    [`${p}CallerIDName`, s.callerName || '<unknown>'],
    [`${p}ConnectedLineNum`, s.callerNum || '<unknown>'],
    [`${p}ConnectedLineName`, s.callerName || '<unknown>'],
    [`${p}Language`, 'en'],
    [`${p}AccountCode`, ''],
    [`${p}Context`, s.context],
    [`${p}Exten`, s.exten],
    [`${p}Priority`, s.priority],
    [`${p}Uniqueid`, s.uniqueid],
    [`${p}Linkedid`, s.linkedid],
  ];
}

export function memberFields(m: Member): Array<[string, string]> {
  return [
    ['Queue', m.queue.name],
    ['Interface', m.interface],
    ['MemberName', m.memberName],
  ];
}

export function position(c: Caller): number {
  return c.queue.callers.indexOf(c) + 1;
}

/** time_t: Asterisk counts these in whole seconds of the wall clock. */
export function sec(ms: number): number {
  return Math.floor(ms / 1000);
}

export function hms(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(Math.floor(s / 3600))}:${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}`;
}

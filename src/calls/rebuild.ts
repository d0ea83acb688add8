import type { ChannelInfo, QueueCalls } from '../ami/pbx.js';
import { type AgentOnInterface, type Leg, type Waiter, memberChannel } from './types.js';

/** What was shown when the AMI connection was lost, kept for the rebuild after the next login. */
export interface Lost {
  legs: Map<string, Leg[]>;
  waiting: Map<string, Map<string, Waiter>>;
}

/** The callers waiting after a rebuild: QueueStatus's, each keeping its start when known before the cut. */
export function rebuiltWaiting(before: Map<string, Map<string, Waiter>>, lost: Lost | undefined, snap: QueueCalls, now: number): Map<string, Map<string, Waiter>> {
  const after = new Map<string, Map<string, Waiter>>();
  for (const w of snap.waiting) {
    const known = before.get(w.queue)?.get(w.uniqueid) ?? lost?.waiting.get(w.queue)?.get(w.uniqueid);
    const m = after.get(w.queue) ?? new Map<string, Waiter>();
    m.set(w.uniqueid, known ?? { since: now - w.waitS * 1000 });
    after.set(w.queue, m);
  }
  return after;
}

/**
 * The legs after a rebuild: a member QueueStatus says is `InCall` keeps the leg known before (to be
 * checked against the channels), or gets one of unknown caller; a ringing leg is kept only while its
 * caller still waits. `keep` is told of a known leg's agent, so its call stays with who took it.
 */
export function rebuiltLegs(
  current: Map<string, Leg[]>,
  lost: Lost | undefined,
  snap: QueueCalls,
  agentFor: (iface: string) => Promise<AgentOnInterface>,
  keep: (iface: string, agent: Promise<AgentOnInterface>) => void,
): Map<string, Leg[]> {
  const stillWaiting = new Set(snap.waiting.map((w) => w.uniqueid));
  const next = new Map<string, Leg[]>();
  const knownLegs = new Map(lost?.legs ?? []);
  for (const [iface, legs] of current) knownLegs.set(iface, [...legs, ...(knownLegs.get(iface) ?? [])]);
  for (const { queue, interface: iface } of snap.inCall) {
    const known = (knownLegs.get(iface) ?? []).find((l) => l.state === 'on_call' && l.queue === queue);
    const leg: Leg = known
      ? { ...known, rebuilt: true, unverified: true }
      : { interface: iface, queue, uniqueid: '', linkedid: null, state: 'on_call', caller: null, callerName: null, since: null, agent: agentFor(iface), rebuilt: true, unverified: true };
    if (known) keep(iface, known.agent);
    next.set(iface, [...(next.get(iface) ?? []), leg]);
  }
  for (const [iface, legs] of knownLegs) {
    for (const l of legs) if (l.state === 'ringing' && stillWaiting.has(l.uniqueid) && !next.has(iface)) next.set(iface, [...(next.get(iface) ?? []), l]);
  }
  return next;
}

/**
 * Checks a rebuilt leg against the member's channel; true when it changed. Another call than the
 * one known (or none known) takes its caller from the channel, and a start counted from when the
 * member's channel appeared (Asterisk does not say when it was answered).
 */
export function verifyLeg(leg: Leg, channels: ChannelInfo[], now: number): boolean {
  leg.unverified = false;
  const ch = memberChannel(channels, leg.interface, leg.linkedid);
  if (!ch || (leg.linkedid !== null && ch.linkedid === leg.linkedid)) return false;
  leg.uniqueid = '';
  leg.linkedid = ch.linkedid;
  leg.caller = ch.connectedNum;
  leg.callerName = ch.connectedName;
  leg.since = now - ch.durationS * 1000;
  return true;
}

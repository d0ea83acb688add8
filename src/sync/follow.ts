import type { QueueMember } from '../ami/pbx.js';
import type { Change } from '../commands/intents.js';
import type { Source } from '../commands/input.js';
import { pausedEverywhere } from '../commands/state.js';
import type { QueueState, SessionRow } from '../commands/store.js';

/** Does the record's queue say what Asterisk's member says? (A pause without reason is '' in Asterisk.) */
export function sameMember(q: QueueState | undefined, m: QueueMember | undefined): boolean {
  if (!q || !m) return q === undefined && m === undefined;
  return q.paused === m.paused && (!q.paused || (q.reason ?? '') === m.reason);
}

/**
 * The record follows Asterisk for one queue of a session: a member gone is a logoff from that queue,
 * a new member (of a queue agentgate knows) a login, a pause state that differs is taken for that
 * queue alone: a pause in one queue is never widened to the others.
 */
export function follow(s: SessionRow, queue: string, live: QueueMember | undefined, source: Source, into: Change = { events: [] }): Change {
  const rec = s.queues.find((q) => q.queue === queue);
  const after = s.queues.filter((q) => q.queue !== queue);
  if (rec && !live) {
    (into.remove ??= []).push(queue);
    into.events.push({ exten: s.exten, queue, kind: 'logoff', source });
  } else if (!rec && live) {
    const q = { queue, paused: live.paused, reason: live.paused ? live.reason || null : null, actor: source };
    (into.add ??= []).push(q);
    after.push(q);
    into.events.push({ exten: s.exten, queue, kind: 'login', source });
    if (q.paused) into.events.push({ exten: s.exten, queue, kind: 'pause', reason: q.reason, source });
  } else if (rec && live && !sameMember(rec, live)) {
    const q = { queue, paused: live.paused, reason: live.paused ? live.reason || null : null, actor: source };
    (into.pause ??= []).push(q);
    after.push(q);
    into.events.push({ exten: s.exten, queue, kind: q.paused ? 'pause' : 'unpause', reason: q.reason, source });
  } else if (rec) {
    after.push(rec);
  }
  if (after.length > 0 && pausedEverywhere(after) !== pausedEverywhere(s.queues)) into.since = true;
  return into;
}

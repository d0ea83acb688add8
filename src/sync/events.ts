import type { MemberEvent } from '../ami/pbx.js';
import type { Deps } from '../commands/deps.js';
import {
  agentOnInterface,
  deleteSession,
  deleteSessionQueues,
  findSession,
  insertEvents,
  insertSessionQueues,
  lockAgent,
  queueExists,
  setPaused,
} from '../commands/store.js';

/**
 * Events can be late (they queue behind others): before a change is recorded, Asterisk is asked
 * whether the member is still in the state the event reports; a stale event changes nothing.
 */
async function stillTrue(deps: Deps, ev: MemberEvent): Promise<boolean> {
  const now = (await deps.pbx.queueStatus(ev.member.queue, ev.member.interface)).find(
    (m) => m.queue === ev.member.queue && m.interface === ev.member.interface,
  );
  if (ev.kind === 'removed') return now === undefined;
  if (ev.kind === 'added') return now !== undefined;
  return now !== undefined && now.paused === ev.member.paused;
}

/**
 * A membership change Asterisk reports. Changes agentgate made itself already match the database
 * once their transaction commits (the handler waits on the same row lock), so they are not recorded
 * twice; changes made elsewhere (a supervisor console, the phone's pause key, the CLI) are recorded
 * with source `pbx`. Every instance sees every event; only the first to take the lock writes.
 */
export async function applyMemberEvent(deps: Deps, ev: MemberEvent): Promise<void> {
  const { member } = ev;
  const agent = await agentOnInterface(deps.db, member.interface);
  if (!agent) return;
  await deps.db.transaction(async (trx) => {
    if (!(await lockAgent(trx, agent))) return;
    const s = await findSession(trx, agent);
    if (!s || s.interface !== member.interface) return;
    switch (ev.kind) {
      case 'paused': {
        if (!s.queues.includes(member.queue) || s.paused === member.paused || !(await stillTrue(deps, ev))) return;
        const reason = member.paused ? member.reason || null : null;
        await setPaused(trx, agent, member.paused, reason);
        await insertEvents(trx, [{ agent, exten: s.exten, queue: null, kind: member.paused ? 'pause' : 'unpause', reason, source: 'pbx' }]);
        return;
      }
      case 'removed': {
        if (!s.queues.includes(member.queue) || !(await stillTrue(deps, ev))) return;
        await deleteSessionQueues(trx, agent, [member.queue]);
        if (s.queues.length === 1) await deleteSession(trx, agent);
        await insertEvents(trx, [{ agent, exten: s.exten, queue: member.queue, kind: 'logoff', source: 'pbx' }]);
        return;
      }
      case 'added': {
        if (s.queues.includes(member.queue) || !(await queueExists(trx, member.queue)) || !(await stillTrue(deps, ev))) return;
        await insertSessionQueues(trx, agent, [member.queue]);
        await insertEvents(trx, [{ agent, exten: s.exten, queue: member.queue, kind: 'login', source: 'pbx' }]);
        return;
      }
    }
  });
}

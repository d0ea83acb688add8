import type { MemberEvent } from '../ami/pbx.js';
import type { Deps } from '../commands/deps.js';
import { settleInDoubt } from '../commands/in-doubt.js';
import { memberRecord } from '../commands/intents.js';
import { queueExists } from '../commands/store.js';
import { claimed } from './claimed.js';
import { follow } from './follow.js';

/**
 * A membership change Asterisk reports. When the record already says it (our own action's echo,
 * settled, or another instance got there first) nothing happens. An event on a member whose action
 * is in doubt is never a change from elsewhere: that action is settled as in doubt. Anything else
 * is checked against Asterisk under the agent's claim (events can be late), unless the record says
 * it by the time the claim is had, and recorded with source `pbx`, for that queue alone. `pbx` is
 * the PBX that reported it: the one asked again.
 */
export async function applyMemberEvent(deps: Deps, pbx: string, ev: MemberEvent): Promise<void> {
  const { member } = ev;
  // a queue of that name on a PBX provisioning does not put it on is not ours
  const owner = deps.pbxes.queuePbx(member.queue);
  if (owner !== undefined && owner !== pbx) return;
  // a member across PBXs is known by the remote_interface of its extension's PBX
  const remote = deps.pbxes.extenOfRemote(pbx, member.interface);
  const rec = await memberRecord(deps.db, remote ? { exten: remote } : member, member.queue);
  if (!rec.agent) return;
  if (rec.intent?.expired) {
    await settleInDoubt(deps, rec.intent.id);
    return;
  }
  if (!rec.intent && says(ev, rec.queue)) return;
  await claimed(deps, { agent: rec.agent, action: 'observe', source: 'pbx', actions: 1 }, async (c) => {
    const s = c.session;
    if (!s || (remote ? s.exten !== remote : s.interface !== member.interface)) return undefined;
    // the claim waited for another's (another instance seeing the same event, a command's echo): the record may say it by now
    if (says(ev, s.queues.find((q) => q.queue === member.queue))) return undefined;
    const live = (await deps.pbxes.ready(pbx).queueStatus(member.queue, member.interface)).find(
      (m) => m.queue === member.queue && m.interface === member.interface,
    );
    if (live && !s.queues.some((q) => q.queue === member.queue) && !(await queueExists(deps.db, member.queue))) return undefined;
    return follow(s, member.queue, live, 'pbx');
  });
}

function says(ev: MemberEvent, q: { paused: boolean; reason: string | null } | undefined): boolean {
  if (ev.kind === 'removed') return q === undefined;
  if (ev.kind === 'added') return q !== undefined;
  return q !== undefined && q.paused === ev.member.paused && (!q.paused || (q.reason ?? '') === ev.member.reason);
}

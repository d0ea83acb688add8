import type { AmiMessage } from './framer.js';
import type { MemberEvent, QueueMember } from './pbx.js';

/** app_queue's member events, by the kind agentgate follows them as. */
export const MEMBER_EVENTS: Record<string, MemberEvent['kind'] | undefined> = {
  QueueMemberAdded: 'added',
  QueueMemberRemoved: 'removed',
  QueueMemberPause: 'paused',
};

export function toMember(e: AmiMessage, interfaceHeader: 'Interface' | 'Location'): QueueMember {
  return {
    queue: e.Queue ?? '',
    interface: e[interfaceHeader] ?? '',
    memberName: e.MemberName ?? e.Name ?? '',
    stateInterface: e.StateInterface ?? '',
    paused: e.Paused === '1',
    reason: e.PausedReason ?? '',
    dynamic: e.Membership === 'dynamic',
  };
}

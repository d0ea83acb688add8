import { NOT_A_MEMBER, NO_SUCH_QUEUE_REMOVE, PbxRefused } from '../ami/pbx.js';
import type { Deps } from './deps.js';
import type { Source } from './input.js';
import { type Outcome, outcome } from './outcomes.js';
import { connectionOf, placeQueues } from './route.js';
import { transition } from './transition.js';

/** Removes the agent from every queue it is logged into. */
export function logoff(deps: Deps, input: { agent: string; source: Source; actor?: string }): Promise<Outcome> {
  return transition(deps, { agent: input.agent, action: 'logoff', source: input.source, actions: 4 }, async (c, undo) => {
    const session = c.session;
    if (!session) return { outcome: outcome('agentNotLogged') };
    const placed = placeQueues(deps, c.pbx, session.queues.map((q) => q.queue), session);
    for (const q of session.queues) {
      const { pbx, iface } = connectionOf(placed, q.queue);
      const removed = await pbx.queueRemove(q.queue, iface).then(
        () => true,
        (err: unknown) => {
          // Already gone from the queue (removed by hand, or the queue itself removed from Asterisk):
          // the wanted state holds, and refusing would leave the agent unable ever to log off.
          if (err instanceof PbxRefused && (err.message === NOT_A_MEMBER || err.message === NO_SUCH_QUEUE_REMOVE)) return false;
          throw err;
        },
      );
      if (removed)
        undo.push(() =>
          pbx.queueAdd({
            queue: q.queue,
            interface: iface,
            memberName: session.member_name,
            stateInterface: session.state_interface ?? undefined,
            paused: q.paused,
            reason: q.reason ?? undefined,
          }),
        );
    }
    return {
      outcome: outcome('logoffOk'),
      change: {
        remove: session.queues.map((q) => q.queue),
        events: session.queues.map((q) => ({ exten: session.exten, queue: q.queue, kind: 'logoff' as const, source: input.source, actor: input.actor })),
      },
    };
  });
}

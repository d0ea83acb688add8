import { NOT_A_MEMBER, NO_SUCH_QUEUE_REMOVE, PbxRefused } from '../ami/pbx.js';
import type { Deps } from './deps.js';
import type { Source } from './input.js';
import { type Outcome, outcome } from './outcomes.js';
import { lockAgentFor, recordLogoff, sessionsOf } from './store.js';
import { transition } from './transition.js';

/** Removes the agent from every queue it is logged into. */
export function logoff(deps: Deps, input: { agent: string; source: Source }): Promise<Outcome> {
  return transition(deps, { command: 'logoff', agent: input.agent }, async (trx, undo) => {
    const locked = await lockAgentFor(trx, input.agent);
    if (!locked) return outcome('agentNotExists');
    const { agent } = locked;
    const { session } = await sessionsOf(trx, agent.login);
    if (!session) return outcome('agentNotLogged');
    for (const queue of session.queues) {
      const removed = await deps.pbx.queueRemove(queue, session.interface).then(
        () => true,
        (err: unknown) => {
          // Already gone from the queue (removed by hand, or the queue itself removed from Asterisk):
          // the wanted state holds, and refusing would leave the agent unable ever to log off.
          if (err instanceof PbxRefused && (err.message === NOT_A_MEMBER || err.message === NO_SUCH_QUEUE_REMOVE)) return false;
          throw err;
        },
      );
      if (removed) undo.push({
        undoes: { action: 'QueueRemove', queue, interface: session.interface },
        run: () =>
          deps.pbx.queueAdd({
            queue,
            interface: session.interface,
            memberName: session.member_name,
            stateInterface: session.state_interface ?? undefined,
            paused: session.paused,
            reason: session.reason ?? undefined,
          }),
      });
    }
    await recordLogoff(trx, { agent: agent.login, exten: session.exten, queues: session.queues, source: input.source });
    return outcome('logoffOk');
  });
}

import type { Deps } from './deps.js';
import type { Source } from './input.js';
import { type Outcome, outcome } from './outcomes.js';
import { lockAgentFor, recordPause, sessionsOf } from './store.js';
import { transition } from './transition.js';

/** Pauses the agent in all of its queues (one QueuePause without Queue: all or nothing in Asterisk). */
export function pause(deps: Deps, input: { agent: string; reason: string | null; source: Source }): Promise<Outcome> {
  return setPause(deps, { ...input, paused: true });
}

export function unpause(deps: Deps, input: { agent: string; source: Source }): Promise<Outcome> {
  return setPause(deps, { ...input, reason: null, paused: false });
}

function setPause(
  deps: Deps,
  input: { agent: string; reason: string | null; source: Source; paused: boolean },
): Promise<Outcome> {
  const command = input.paused ? 'pause' : 'unpause';
  return transition(deps, { command, agent: input.agent }, async (trx, undo) => {
    const locked = await lockAgentFor(trx, input.agent, { reason: input.reason });
    if (!locked) return outcome('agentNotExists');
    const { agent, reason } = locked;
    const { session } = await sessionsOf(trx, agent.login);
    if (!session) return outcome('agentNotLogged');
    if (input.paused && session.paused) return outcome('agentAlreadyPaused');
    if (!input.paused && !session.paused) return outcome('agentAlreadyAvailable');

    await deps.pbx.queuePause(session.interface, input.paused, reason ?? undefined);
    undo.push({
      undoes: { action: 'QueuePause', interface: session.interface },
      run: () => deps.pbx.queuePause(session.interface, session.paused, session.reason ?? undefined),
    });
    await recordPause(trx, { agent: agent.login, exten: session.exten, paused: input.paused, reason, source: input.source });
    return outcome(input.paused ? 'pauseOk' : 'unpauseOk');
  });
}

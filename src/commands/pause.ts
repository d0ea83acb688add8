import type { Deps } from './deps.js';
import type { Source } from './input.js';
import { type Outcome, outcome } from './outcomes.js';
import { pausedEverywhere } from './state.js';
import { transition } from './transition.js';

/** Pauses the agent in all of its queues (one QueuePause without Queue: all or nothing in Asterisk). */
export function pause(deps: Deps, input: { agent: string; reason: string | null; source: Source; actor?: string }): Promise<Outcome> {
  return setPause(deps, { ...input, paused: true });
}

/**
 * Unpauses the agent in every queue where it is paused. With `only` (the pause rules), just the pause
 * that began then: a pause that already ended, even if a new one began since, answers as available.
 */
export function unpause(deps: Deps, input: { agent: string; source: Source; actor?: string; only?: { since: Date } }): Promise<Outcome> {
  return setPause(deps, { ...input, reason: null, paused: false });
}

function setPause(
  deps: Deps,
  input: { agent: string; reason: string | null; source: Source; actor?: string | undefined; paused: boolean; only?: { since: Date } },
): Promise<Outcome> {
  const action = input.paused ? 'pause' : 'unpause';
  const spec = { agent: input.agent, action, source: input.source, reason: input.reason, want: { paused: input.paused }, actions: 1 } as const;
  return transition(deps, spec, async (c) => {
    const session = c.session;
    if (!session) return { outcome: outcome('agentNotLogged') };
    if (input.paused && pausedEverywhere(session.queues)) return { outcome: outcome('agentAlreadyPaused') };
    if (!input.paused && !session.queues.some((q) => q.paused)) return { outcome: outcome('agentAlreadyAvailable') };
    if (input.only && !(pausedEverywhere(session.queues) && session.since.getTime() === input.only.since.getTime())) {
      return { outcome: outcome('agentAlreadyAvailable') };
    }
    // A configured reason is sent and recorded by its configured name.
    const reason = input.paused ? c.reason ?? input.reason : null;
    await deps.pbx.queuePause(session.interface, input.paused, reason ?? undefined);
    const wasPaused = pausedEverywhere(session.queues);
    return {
      outcome: outcome(input.paused ? 'pauseOk' : 'unpauseOk'),
      change: {
        pause: session.queues.map((q) => ({ queue: q.queue, paused: input.paused, reason, actor: input.actor ?? input.source })),
        since: wasPaused !== input.paused,
        events: [{ exten: session.exten, queue: null, kind: action, reason, source: input.source, actor: input.actor }],
      },
    };
  });
}

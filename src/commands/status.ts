import type { Deps } from './deps.js';
import type { Outcome } from './outcomes.js';
import { outcome } from './outcomes.js';
import { findAgent, findSession, lastLogoff } from './store.js';
import { failureOutcome } from './errors.js';
import { pendingView } from './floor.js';
import { pauseActor, pauseReason, pausedEverywhere, pausedQueues } from './state.js';

/** Where the agent is now; reads only, so it takes no lock. */
export async function status(deps: Deps, input: { agent: string }): Promise<Outcome> {
  try {
    const agent = await findAgent(deps.db, input.agent);
    if (!agent) return outcome('agentNotExists');
    const session = await findSession(deps.db, agent.login);
    if (!session) {
      const since = await lastLogoff(deps.db, agent.login);
      return {
        kind: 'statusOk',
        status: {
          agent: agent.login,
          state: 'logged_off',
          exten: null,
          pbx: null,
          queues: [],
          paused_queues: [],
          reason: null,
          actor: null,
          since: since ? new Date(since).toISOString() : null,
          call: null,
        },
      };
    }
    const pending = await pendingView(deps.db, agent.login);
    return {
      kind: 'statusOk',
      status: {
        agent: agent.login,
        state: pausedEverywhere(session.queues) ? 'paused' : 'available',
        exten: session.exten,
        pbx: session.pbx ?? null,
        queues: session.queues.map((q) => q.queue),
        paused_queues: pausedQueues(session.queues),
        reason: pauseReason(session.queues),
        actor: pauseActor(session.queues),
        since: new Date(session.since).toISOString(),
        call: deps.calls?.forAgent(agent.login) ?? null,
        ...(pending ? { pending_pause: pending } : {}),
      },
    };
  } catch (err) {
    deps.log.warn({ command: 'status', agent: input.agent, err: (err as Error).message }, 'status failed');
    return failureOutcome(err);
  }
}

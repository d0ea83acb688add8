import type { Deps } from './deps.js';
import { type PendingRow, dropPending, pendingOf } from './floor.js';
import type { Source } from './input.js';
import { type Outcome, outcome } from './outcomes.js';
import { pauseOnEach, placeQueues } from './route.js';
import { pausedEverywhere } from './state.js';
import { type Decision, transition } from './transition.js';

/**
 * A supervisor's answer to a pause that needs a yes (CONTRACT §10), under the agent's claim like
 * every change. `approve` pauses the agent with the reason it asked for, recorded as the agent's
 * pause (its requester is the pause's actor) after the `pause_approved` event of whoever said yes;
 * a queue's floor does not hold back a pause a supervisor approved. `deny` records `pause_denied`.
 * `expired`: the timeout's own deny (source `policy`), only once the request's time is up.
 */
export async function approve(deps: Deps, input: { agent: string; source: Source; actor?: string | undefined }): Promise<Outcome> {
  const spec = { agent: input.agent, action: 'pause', source: input.source, want: { paused: true }, actions: 1 } as const;
  const result = await transition(deps, spec, async (c, undo): Promise<Decision> => {
    const asked = await pendingOf(deps.db, input.agent);
    if (asked?.kind !== 'approval') return { outcome: outcome('noPauseRequested') };
    const session = c.session;
    if (!session) return { outcome: outcome('agentNotLogged') };
    if (pausedEverywhere(session.queues)) return { outcome: outcome('agentAlreadyPaused') };
    await pauseOnEach(placeQueues(deps, c.pbx, session.queues.map((q) => q.queue), session), undo, session.queues, true, asked.reason ?? undefined);
    const source = asked.source as Source;
    return {
      outcome: outcome('pauseApproved'),
      change: {
        pause: session.queues.map((q) => ({ queue: q.queue, paused: true, reason: asked.reason, actor: asked.actor })),
        since: true,
        pending: { drop: 'any' },
        events: [
          { exten: session.exten, queue: null, kind: 'pause_approved', reason: asked.reason, source: input.source, actor: input.actor },
          { exten: session.exten, queue: null, kind: 'pause', reason: asked.reason, source, actor: asked.actor },
        ],
      },
    };
  });
  // Moot (the agent left, or is paused already): nothing is left to decide; a PBX that failed leaves it to ask again.
  if (result.kind === 'agentNotLogged' || result.kind === 'agentAlreadyPaused') await dropPending(deps.db, input.agent, 'approval');
  return result;
}

export function deny(deps: Deps, input: { agent: string; source: Source; actor?: string | undefined; expired?: boolean }): Promise<Outcome> {
  const spec = { agent: input.agent, action: 'pause', source: input.source, want: {}, actions: 0 } as const;
  return transition(deps, spec, async (c): Promise<Decision> => {
    const asked = await request(deps, input.agent, Boolean(input.expired));
    if (!asked) return { outcome: outcome('noPauseRequested') };
    const exten = c.session?.exten ?? null;
    return {
      outcome: outcome('pauseDenied'),
      change: { pending: { drop: 'approval' }, events: [{ exten, queue: null, kind: 'pause_denied', reason: asked.reason, source: input.source, actor: input.actor }] },
    };
  });
}

/** The agent's request for a yes (`expired`: only once its time is up); the settle takes it off the list. */
function request(deps: Deps, agent: string, expired: boolean): Promise<PendingRow | undefined> {
  const q = deps.db<PendingRow>('pending_pauses').where({ agent, kind: 'approval' });
  if (expired) q.andWhere('expires_at', '<=', deps.db.raw('clock_timestamp()'));
  return q.first();
}

import type { Deps } from './deps.js';
import { approvalOf, floorShort, pendingOf } from './floor.js';
import type { Source } from './input.js';
import type { Change, PendingAdd } from './intents.js';
import { type Outcome, outcome } from './outcomes.js';
import { pauseOnEach, placeQueues } from './route.js';
import { pausedEverywhere } from './state.js';
import { type Decision, transition } from './transition.js';

export interface PauseInput {
  agent: string;
  reason: string | null;
  source: Source;
  actor?: string | undefined;
  /** Queue the pause when a queue's floor refuses it (`wait=1`, the phone's key). */
  wait?: boolean | undefined;
  /** Skips the floors and the approval (a supervisor's or admin's key, the pause rules: `pausesFreely`). */
  free?: boolean | undefined;
  /** The keeper taking a queued pause (src/sync/pending.ts): it does not wait behind those queued after it. */
  queued?: boolean | undefined;
}

/**
 * Pauses the agent in all of its queues (one QueuePause without Queue: all or nothing in Asterisk),
 * unless its reason needs a supervisor's yes (then it is requested) or a queue's floor refuses it
 * (then, with `wait`, it is queued). Both are decided under the agent's claim (CONTRACT §10).
 */
export function pause(deps: Deps, input: PauseInput): Promise<Outcome> {
  return setPause(deps, { ...input, paused: true });
}

/**
 * Unpauses the agent in every queue where it is paused; a pause it has waiting (queued or asking for
 * a yes) is cancelled, which alone answers `Unpause OK`. With `only` (the pause rules), just the pause
 * that began then: a pause that already ended, even if a new one began since, answers as available.
 */
export function unpause(deps: Deps, input: { agent: string; source: Source; actor?: string; only?: { since: Date } }): Promise<Outcome> {
  return setPause(deps, { ...input, reason: null, paused: false });
}

function setPause(deps: Deps, input: PauseInput & { paused: boolean; only?: { since: Date } }): Promise<Outcome> {
  const action = input.paused ? 'pause' : 'unpause';
  const spec = { agent: input.agent, action, source: input.source, reason: input.reason, want: { paused: input.paused }, actions: 1 } as const;
  return transition(deps, spec, async (c, undo): Promise<Decision> => {
    const session = c.session;
    // an unpause cancels the pause the agent has waiting; the settle ends it, with its event
    const cancelled = !input.paused && !input.only ? await pendingOf(deps.db, input.agent) : undefined;
    if (!session) return { outcome: outcome('agentNotLogged') };
    const cancel: Change['events'] = cancelled
      ? [{ exten: session.exten, queue: null, kind: 'pause_cancelled', reason: cancelled.reason, source: input.source, actor: input.actor }]
      : [];
    if (input.paused && pausedEverywhere(session.queues)) return { outcome: outcome('agentAlreadyPaused') };
    if (!input.paused && !session.queues.some((q) => q.paused)) {
      return cancel.length ? { outcome: outcome('unpauseOk'), change: { events: cancel, pending: { drop: 'any' } } } : { outcome: outcome('agentAlreadyAvailable') };
    }
    if (input.only && !(pausedEverywhere(session.queues) && session.since.getTime() === input.only.since.getTime())) {
      return { outcome: outcome('agentAlreadyAvailable') };
    }
    // A configured reason is sent and recorded by its configured name.
    const reason = input.paused ? c.reason ?? input.reason : null;
    if (input.paused && !input.free) {
      const waiting = await held(deps, input, c.id, session.exten, reason);
      if (waiting) return waiting;
    }
    const placed = placeQueues(deps, c.pbx, session.queues.map((q) => q.queue), session);
    await pauseOnEach(placed, undo, session.queues, input.paused, reason ?? undefined);
    const wasPaused = pausedEverywhere(session.queues);
    return {
      outcome: outcome(input.paused ? 'pauseOk' : 'unpauseOk'),
      change: {
        pause: session.queues.map((q) => ({ queue: q.queue, paused: input.paused, reason, actor: input.actor ?? input.source })),
        since: wasPaused !== input.paused,
        // paused now, nothing of it waits any more; unpaused, what it had waiting is cancelled
        ...(input.paused || cancelled ? { pending: { drop: 'any' as const } } : {}),
        events: [...cancel, { exten: session.exten, queue: null, kind: action, reason, source: input.source, actor: input.actor }],
      },
    };
  });
}

/**
 * What holds a pause back, under the agent's claim: a reason that needs a yes (requested), or a
 * queue's floor (refused, or queued with `wait`). Undefined: it may go ahead, and the claim is
 * marked as a pause on its way, so every other check counts the agent as paused already.
 */
async function held(deps: Deps, input: PauseInput, intent: number, exten: string, reason: string | null): Promise<Decision | undefined> {
  const { db } = deps;
  const actor = input.actor ?? input.source;
  const event = (kind: 'pause_requested' | 'pause_queued', add: PendingAdd, detail?: string): Change => ({
    pending: { add },
    events: [{ exten, queue: null, kind, reason, source: input.source, actor: input.actor, ...(detail ? { detail } : {}) }],
  });
  const before = await pendingOf(db, input.agent);
  const approval = await approvalOf(db, reason);
  if (approval) {
    if (before?.kind === 'approval') return { outcome: outcome('pauseRequested') };
    return { outcome: outcome('pauseRequested'), change: event('pause_requested', { kind: 'approval', reason, source: input.source, actor, timeout_s: approval.timeoutS }) };
  }
  const short = await floorShort(db, input.agent, intent, Boolean(input.queued));
  if (!short.length) return undefined;
  if (!input.wait) return { outcome: outcome('pauseNotAllowed') };
  if (before?.kind === 'floor') return { outcome: outcome('pauseQueued') };
  return { outcome: outcome('pauseQueued'), change: event('pause_queued', { kind: 'floor', reason, source: input.source, actor }, short.join(',')) };
}

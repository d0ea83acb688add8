/** A pause in force: since when, why, and who started it (`actor`, CONTRACT §8). */
export interface Pause {
  since: number;
  reason: string | null;
  actor: string | null;
}

interface QueueState {
  inSince: number;
  /** The pause in force in this queue. */
  pause: Pause | null;
}

interface AgentState {
  inSince: number | null;
  pause: Pause | null;
}

/** Where an agent's time goes: `queue` null is the agent's own (in any queue; paused in all). */
export interface SpanSink {
  inSpan(queue: string | null, a: number, b: number): void;
  pauseSpan(queue: string | null, pause: Pause, b: number): void;
}

export interface AgentTrack {
  event(t: number, kind: string, queue: string | null, reason: string | null, actor?: string | null): void;
  /** Closes what is open at `stop`; true when the agent was still logged in. */
  end(stop: number): boolean;
}

/**
 * One agent's events, in order (time, then id), as stretches of logged-in and paused time — per
 * queue (`byQueue`), or the agent's own. The semantics are the reports' (docs/supervisors.md, "Reports"):
 * - a queue is in the session from its `login` to its `logoff`; a pause with a queue applies to that
 *   queue, one without to every queue of the session at that moment; a login starts a queue unpaused;
 * - the agent is logged in while in any queue, paused while paused in every queue of its session
 *   (the `paused` of `status`), with the reason of the latest pause in force;
 * - a pause again for the same reason goes on, whoever asked again;
 * - unknown kinds (`reverted`, and whatever comes later) change nothing.
 */
export function trackAgent(byQueue: boolean, out: SpanSink): AgentTrack {
  const queues = new Map<string, QueueState>();
  const me: AgentState = { inSince: null, pause: null };

  const setPause = (queue: string, q: QueueState, t: number, paused: boolean, reason: string | null, actor: string | null) => {
    if (q.pause && paused && q.pause.reason === reason) return;
    // a queue's own pauses are told only when tracking by queue
    if (q.pause && byQueue) out.pauseSpan(queue, q.pause, t);
    q.pause = paused ? { since: t, reason, actor } : null;
  };

  /** The agent's own state after an event: in any queue; paused in all of them. */
  const agentStep = (t: number) => {
    const inNow = queues.size > 0;
    if (inNow && me.inSince === null) me.inSince = t;
    let latest: Pause | null = null;
    if (inNow) {
      for (const q of queues.values()) {
        if (!q.pause) {
          latest = null;
          break;
        }
        if (!latest || q.pause.since >= latest.since) latest = q.pause;
      }
    }
    if (me.pause && (!latest || latest.reason !== me.pause.reason || latest.actor !== me.pause.actor)) {
      out.pauseSpan(null, me.pause, t);
      me.pause = null;
    }
    if (latest && !me.pause) me.pause = { since: t, reason: latest.reason, actor: latest.actor };
    if (!inNow && me.inSince !== null) {
      out.inSpan(null, me.inSince, t);
      me.inSince = null;
    }
  };

  const event = (t: number, kind: string, queue: string | null, reason: string | null, actor: string | null = null) => {
    switch (kind) {
      case 'login':
        if (queue !== null && !queues.has(queue)) queues.set(queue, { inSince: t, pause: null });
        break;
      case 'logoff': {
        const q = queue === null ? undefined : queues.get(queue);
        if (q && queue !== null) {
          setPause(queue, q, t, false, null, null);
          if (byQueue) out.inSpan(queue, q.inSince, t);
          queues.delete(queue);
        }
        break;
      }
      case 'pause':
      case 'unpause': {
        const paused = kind === 'pause';
        if (queue === null) for (const [name, q] of queues) setPause(name, q, t, paused, reason, actor);
        else {
          const q = queues.get(queue);
          if (q) setPause(queue, q, t, paused, reason, actor);
        }
        break;
      }
      default:
        return; // not a state change
    }
    if (!byQueue) agentStep(t);
  };

  const end = (stop: number) => {
    if (byQueue) {
      for (const [name, q] of queues) {
        if (q.pause) out.pauseSpan(name, q.pause, stop);
        out.inSpan(name, q.inSince, stop);
      }
    } else {
      if (me.pause) out.pauseSpan(null, me.pause, stop);
      if (me.inSince !== null) out.inSpan(null, me.inSince, stop);
    }
    return queues.size > 0;
  };
  return { event, end };
}

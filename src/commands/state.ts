import type { QueueState } from './store.js';

/** An agent is paused when paused in every queue of its session (Asterisk pauses per queue). */
export function pausedEverywhere(queues: readonly QueueState[]): boolean {
  return queues.length > 0 && queues.every((q) => q.paused);
}

/** The queues in which the agent is paused. */
export function pausedQueues(queues: readonly QueueState[]): string[] {
  return queues.filter((q) => q.paused).map((q) => q.queue);
}

/** The reason of the agent's pause: the first paused queue's (by name), null when none is paused. */
export function pauseReason(queues: readonly QueueState[]): string | null {
  return queues.find((q) => q.paused)?.reason ?? null;
}

/** Who started the agent's pause: the same queue's as the reason. */
export function pauseActor(queues: readonly QueueState[]): string | null {
  return queues.find((q) => q.paused)?.actor ?? null;
}

import { type Change, endsSession } from '../commands/intents.js';
import { pausedEverywhere } from '../commands/state.js';
import type { QueueState, SessionRow } from '../commands/store.js';

/**
 * What an extension's lamp shows, as an Asterisk device state (the value of
 * `DEVICE_STATE(Custom:agentgate-<exten>)`), from the agent logged in on it:
 *
 * | agent on the extension                          | state       | hint        |
 * |-------------------------------------------------|-------------|-------------|
 * | nobody                                          | UNAVAILABLE | Unavailable |
 * | available (paused in no queue)                  | NOT_INUSE   | Idle        |
 * | paused in every queue (`status` says `paused`)  | INUSE       | InUse       |
 * | paused in some queues only (`status`: available)| ONHOLD      | Hold        |
 *
 * Red means "not taking calls" on every BLF key (INUSE), so the one thing an agent must see,
 * paused or not, shows on any phone; a pause in some queues only (a supervisor's) is Hold, which
 * phones that render a held call blink, others show red.
 */
export type LampState = 'UNAVAILABLE' | 'NOT_INUSE' | 'INUSE' | 'ONHOLD';

/** The custom device of an extension's lamp; the dialplan's hint `*55<exten>` watches it. */
export function lampDevice(exten: string): string {
  return `Custom:agentgate-${exten}`;
}

/** The lamp for the queues of the session on the extension (none: nobody is logged in). */
export function lampOf(queues: readonly QueueState[] | undefined): LampState {
  if (!queues || queues.length === 0) return 'UNAVAILABLE';
  if (pausedEverywhere(queues)) return 'INUSE';
  return queues.some((q) => q.paused) ? 'ONHOLD' : 'NOT_INUSE';
}

/**
 * The extension and its lamp once `change` is settled over the session the claim read (`before`):
 * a session whose every queue is removed is gone (`endsSession`, as the settle says it).
 * Undefined when the change touches no extension.
 */
export function lampAfter(before: SessionRow | undefined, change: Change): { exten: string; state: LampState } | undefined {
  const exten = change.create?.exten ?? before?.exten;
  if (!exten) return undefined;
  let queues: QueueState[] = [...(before?.queues ?? [])];
  for (const q of change.add ?? []) queues.push(q);
  for (const p of change.pause ?? []) queues = queues.map((q) => (q.queue === p.queue ? p : q));
  if (endsSession(before, change)) queues = [];
  else queues = queues.filter((q) => !(change.remove ?? []).includes(q.queue));
  return { exten, state: lampOf(queues) };
}

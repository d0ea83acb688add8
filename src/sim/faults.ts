/** The ways a test makes this PBX misbehave: stay silent, refuse queue changes, drop a connection mid-action. */

/**
 * normal: answers like Asterisk. silent: actions are recorded but nothing is answered and no event
 * is sent. refuse: QueueAdd/QueueRemove/QueuePause answer `Response: Error` with `refuseMessage`.
 */
export type SimMode = 'normal' | 'silent' | 'refuse';

const REFUSABLE = new Set(['queueadd', 'queueremove', 'queuepause']);

export class Faults {
  mode: SimMode = 'normal';
  refuseMessage = 'Permission denied';
  private readonly drops: Array<string | undefined> = [];

  /** The next action (optionally only one with this Action name) is applied, then its connection is destroyed unanswered. */
  dropNextAction(name?: string): void {
    this.drops.push(name);
  }

  /** Whether this action (lower-cased name) is the one to drop; a drop is used up once taken. */
  takeDrop(action: string): boolean {
    const i = this.drops.findIndex((d) => (d === undefined ? action !== 'login' : d.toLowerCase() === action));
    if (i < 0) return false;
    this.drops.splice(i, 1);
    return true;
  }

  refuses(action: string): boolean {
    return this.mode === 'refuse' && REFUSABLE.has(action);
  }
}

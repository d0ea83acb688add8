/**
 * The ways a test makes this PBX misbehave: stay silent, refuse queue changes, drop a connection
 * mid-action, send an answer and the events after it in one write.
 */

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
  private readonly followers: Array<{ action: string; then: () => void }> = [];

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

  /** After the next `action` (by name) is answered, `then` runs; see SimAsterisk.afterNextAnswer. */
  afterNextAnswer(action: string, then: () => void): void {
    this.followers.push({ action: action.toLowerCase(), then });
  }

  /** What is to run right after this action's answer (lower-cased name), used up once taken. */
  takeFollower(action: string): (() => void) | undefined {
    const i = this.followers.findIndex((f) => f.action === action);
    return i < 0 ? undefined : this.followers.splice(i, 1)[0]!.then;
  }

  refuses(action: string): boolean {
    return this.mode === 'refuse' && REFUSABLE.has(action);
  }
}

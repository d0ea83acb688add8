import type { Deps } from './deps.js';
import type { By } from './input.js';
import type { Outcome } from './outcomes.js';
import { runCommand } from './run.js';

/** The command a lamp key's press stands for. */
export type KeyPress = 'login' | 'pause' | 'unpause';

/**
 * What pressing the lamp key of one's own extension (`*55`) does, from the agent's state as
 * `status` says it: paused → unpause; available (paused in no queue or only in some, by a
 * supervisor) → pause, everywhere; logged off, or nobody logged in on the extension → log in. The
 * phone flow then runs that command's own flow; a status that cannot be read is the answer.
 */
export async function keyPress(deps: Deps, agent: string | undefined, by: By): Promise<{ press: KeyPress } | { answer: Outcome }> {
  if (agent === undefined) return { press: 'login' };
  const now = await runCommand(deps, { command: 'status', agent }, by);
  if (now.kind !== 'statusOk') return { answer: now };
  const press: Record<typeof now.status.state, KeyPress> = { paused: 'unpause', available: 'pause', logged_off: 'login' };
  return { press: press[now.status.state] };
}

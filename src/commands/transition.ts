import type { Knex } from 'knex';
import type { SentAction } from '../ami/pbx.js';
import type { Deps } from './deps.js';
import { failureOutcome } from './errors.js';
import type { Outcome } from './outcomes.js';

/**
 * Puts Asterisk back as it was if the transaction that recorded an applied action does not commit.
 * `undoes` is that applied action: if putting it back fails, it is the one resync must settle.
 */
export type Undo = Array<{ undoes: SentAction; run: () => Promise<void> }>;

/**
 * Runs one state change: a transaction that locks the agent, sends the AMI action(s) and commits
 * only once Asterisk accepted them. If anything fails after Asterisk applied an action, that action
 * is reversed, so the queue and the database never disagree.
 */
export async function transition(
  deps: Deps,
  what: { command: string; agent: string },
  body: (trx: Knex.Transaction, undo: Undo) => Promise<Outcome>,
): Promise<Outcome> {
  const undo: Undo = [];
  try {
    return await deps.db.transaction((trx) => body(trx, undo));
  } catch (err) {
    const result = failureOutcome(err);
    deps.log.warn({ ...what, err: (err as Error).message, answer: result.kind }, 'command failed; nothing recorded');
    for (const step of undo.reverse()) {
      try {
        await step.run();
      } catch (undoErr) {
        deps.log.error({ ...what, undo: step.undoes, err: (undoErr as Error).message }, 'could not reverse an applied action');
        deps.onUncertain?.(step.undoes);
      }
    }
    return result;
  }
}

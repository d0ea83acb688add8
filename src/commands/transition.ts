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
 * is reversed, so the queue and the database never disagree. The reversal runs while the agent's
 * lock is still held (only a failed commit, which has already lost the transaction, reverses after).
 */
export async function transition(
  deps: Deps,
  what: { command: string; agent: string },
  body: (trx: Knex.Transaction, undo: Undo) => Promise<Outcome>,
): Promise<Outcome> {
  const undo: Undo = [];
  const reverse = async () => {
    for (const step of undo.splice(0).reverse()) {
      try {
        await step.run();
      } catch (undoErr) {
        deps.log.error({ ...what, undo: step.undoes, err: (undoErr as Error).message }, 'could not reverse an applied action');
        deps.onUncertain?.(step.undoes);
      }
    }
  };
  try {
    return await deps.db.transaction(async (trx) => {
      try {
        return await body(trx, undo);
      } catch (err) {
        await reverse();
        throw err;
      }
    });
  } catch (err) {
    const result = failureOutcome(err);
    deps.log.warn({ ...what, err: (err as Error).message, answer: result.kind }, 'command failed; nothing recorded');
    await reverse();
    return result;
  }
}

import { PbxUnavailable } from '../ami/pbx.js';
import type { Deps } from './deps.js';
import { failureOutcome, isDatabaseDown } from './errors.js';
import { settleInDoubt } from './in-doubt.js';
import { type Change, type ClaimSpec, type Claimed, abandon, release } from './intents.js';
import { holdMember } from './route.js';
import { settledBefore } from './settle.js';
import { type Outcome, outcome } from './outcomes.js';
import type { SessionRow } from './store.js';

/** How to put back an action Asterisk applied, if a later one of the same command is refused. */
export type Undo = Array<() => Promise<void>>;

/** What a command decided once it has acted: the answer and, when something changed, the record's change. */
export interface Decision {
  outcome: Outcome;
  change?: Change;
}

/**
 * Runs one state change as claim → act → settle, holding no connection and no transaction while
 * Asterisk thinks:
 * - claim: one statement records the intent and reads the state after it (waiting, without a
 *   connection, while another instance's claim on the agent runs; settling it if it is in doubt);
 * - act: `body` validates and sends the AMI actions;
 * - settle: one statement records the outcome and ends the intent.
 * A refusal puts back what the command had applied and ends the claim; an action that went
 * unanswered leaves the intent in doubt, to be settled from what Asterisk holds toward what the
 * caller was told (nothing changed). The caller hears success only once the settle committed.
 */
export function transition(deps: Deps, spec: ClaimSpec, body: (claim: Claimed, undo: Undo) => Promise<Decision>): Promise<Outcome> {
  const what = { command: spec.action, agent: spec.agent };
  return deps.claims.serial(spec.agent, async () => {
    let claim: Claimed | undefined;
    try {
      claim = await claimAgent(deps, spec);
    } catch (err) {
      return failed(deps, what, err);
    }
    if (!claim) return outcome('agentNotExists');
    const unhold = holdMember(deps, claim.session?.exten ?? claim.exten?.exten, claim.interface);
    try {
      const undo: Undo = [];
      let decision: Decision;
      try {
        decision = await body(claim, undo);
      } catch (err) {
        const unanswered = err instanceof PbxUnavailable && err.uncertain;
        const inDoubt = unanswered || !(await putBack(deps, what, undo));
        await endClaim(deps, claim.id, inDoubt);
        return failed(deps, what, err);
      }
      if (!decision.change) {
        await endClaim(deps, claim.id, false);
        return decision.outcome;
      }
      return await record(deps, what, claim, decision);
    } finally {
      unhold();
    }
  });
}

/** Claims the agent, waiting while another claim on it runs; undefined when the agent does not exist. */
export async function claimAgent(deps: Deps, spec: ClaimSpec): Promise<Claimed | undefined> {
  const { db, claims, memberInterface } = deps;
  const giveUp = performance.now() + claims.timeoutMs * (spec.actions + 4) + 5000;
  let pauseMs = 2;
  for (;;) {
    const answer = await claims.claim(db, memberInterface, spec);
    if (answer.kind === 'noAgent') return undefined;
    if (answer.kind === 'claimed') return answer.claim;
    if (answer.expired) {
      // The previous action on this agent is in doubt: settle it first, so this one starts from the truth.
      await settleInDoubt(deps, answer.intent);
      continue;
    }
    if (performance.now() > giveUp) throw new PbxUnavailable(`agent ${spec.agent} stayed busy`, false);
    await sleep(Math.min(pauseMs, Math.max(1, answer.waitMs)));
    pauseMs = Math.min(pauseMs * 2, 50);
  }
}

/** Settles the intent; a settle whose answer was lost is looked for before anything else is said. */
async function record(deps: Deps, what: object, claim: Claimed, decision: Decision): Promise<Outcome> {
  const { db, claims, log } = deps;
  const { id } = claim;
  const change = decision.change as Change;
  for (let attempt = 0; ; attempt++) {
    try {
      if (await claims.settle(db, { id, change, own: true, before: claim.session })) {
        afterCommit(deps, claim.session, change);
        return decision.outcome;
      }
      // Taken over after its deadline: it is settled from Asterisk toward "nothing changed".
      log.warn({ ...what, intent: id }, 'the settle came after the deadline; the action is settled as in doubt');
      return outcome('databaseUnavailable');
    } catch (err) {
      if (!isDatabaseDown(err)) {
        await endClaim(deps, id, true);
        return failed(deps, what, err);
      }
      try {
        if (await settledBefore(db, id)) {
          afterCommit(deps, claim.session, change);
          return decision.outcome;
        }
      } catch {
        // still unreachable: try again below
      }
      if (attempt >= 3) {
        log.warn({ ...what, intent: id, err: (err as Error).message }, 'could not record an applied action; it stays in doubt');
        deps.onInDoubt?.();
        return failed(deps, what, err);
      }
      await sleep(100 * 2 ** attempt);
    }
  }
}

/**
 * What follows every committed change of the record, whichever path settled it (a command, an
 * Asterisk event, a resync): the extension's lamp. Never awaited, never throws.
 */
export function afterCommit(deps: Deps, before: SessionRow | undefined, change: Change): void {
  deps.lamps.settled(before, change);
}

async function putBack(deps: Deps, what: object, undo: Undo): Promise<boolean> {
  for (const step of undo.reverse()) {
    try {
      await step();
    } catch (err) {
      deps.log.error({ ...what, err: (err as Error).message }, 'could not put back an applied action; it stays in doubt');
      return false;
    }
  }
  return true;
}

/** Ends a claim: released when nothing is in doubt, else left for `settleInDoubt` (and the keeper told). */
export async function endClaim(deps: Deps, id: number, inDoubt: boolean): Promise<void> {
  try {
    if (inDoubt) await abandon(deps.db, id, deps.claims.holder);
    else await release(deps.db, id, deps.claims.holder);
  } catch (err) {
    // The deadline ends it anyway.
    deps.log.warn({ intent: id, err: (err as Error).message }, 'could not end a claim');
  }
  if (inDoubt) deps.onInDoubt?.();
}

function failed(deps: Deps, what: object, err: unknown): Outcome {
  const result = failureOutcome(err);
  deps.log.warn({ ...what, err: (err as Error).message, answer: result.kind }, 'command failed; nothing recorded');
  return result;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

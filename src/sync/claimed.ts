import { PbxUnavailable } from '../ami/pbx.js';
import type { Deps } from '../commands/deps.js';
import { type Change, type ClaimSpec, type Claimed } from '../commands/intents.js';
import { holdMember } from '../commands/route.js';
import { settle } from '../commands/settle.js';
import { afterCommit, claimAgent, endClaim } from '../commands/transition.js';

/** What became of a claimed change: written, nothing to write, lost its claim after the deadline, or no such agent. */
export type ClaimedResult = 'settled' | 'unchanged' | 'late' | 'noAgent';

/**
 * Claim → look at Asterisk (and correct it) → settle, for the sync side: an event being checked, a
 * resync of one agent, the pause rules' overdue record (`actions: 0`: it asks nothing of Asterisk).
 * Same registry and same writer as the commands; failures go to the caller.
 */
export function claimed(deps: Deps, spec: ClaimSpec, body: (claim: Claimed) => Promise<Change | undefined>): Promise<ClaimedResult> {
  return deps.claims.serial(spec.agent, async () => {
    const claim = await claimAgent(deps, spec);
    if (!claim) return 'noAgent';
    const { db, claims } = deps;
    // Asterisk's events on the member are our own echo only while we may be acting on it.
    const unhold = holdMember(deps, claim.session?.exten ?? claim.exten?.exten, spec.actions > 0 ? claim.interface : null);
    try {
      let change: Change | undefined;
      try {
        change = await body(claim);
      } catch (err) {
        await endClaim(deps, claim.id, err instanceof PbxUnavailable && err.uncertain);
        throw err;
      }
      if (!change || !change.events.length) {
        await endClaim(deps, claim.id, false);
        return 'unchanged';
      }
      if (!(await settle(db, claim.id, claims.holder, change, false, claim.session))) return 'late';
      afterCommit(deps, claim.session, change);
      return 'settled';
    } finally {
      unhold();
    }
  });
}

import { PbxUnavailable } from '../ami/pbx.js';
import type { Deps } from '../commands/deps.js';
import { type Change, type ClaimSpec, type Claimed, settle } from '../commands/intents.js';
import { afterCommit, claimAgent, endClaim } from '../commands/transition.js';

/**
 * Claim → look at Asterisk (and correct it) → settle, for the sync side: an event being checked or a
 * resync of one agent. Same registry and same writer as the commands; failures go to the caller.
 * Returns false when the agent does not exist.
 */
export function claimed(deps: Deps, spec: ClaimSpec, body: (claim: Claimed) => Promise<Change | undefined>): Promise<boolean> {
  return deps.claims.serial(spec.agent, async () => {
    const claim = await claimAgent(deps, spec);
    if (!claim) return false;
    const { db, claims } = deps;
    const iface = claim.interface;
    if (iface) claims.hold(iface);
    try {
      let change: Change | undefined;
      try {
        change = await body(claim);
      } catch (err) {
        await endClaim(deps, claim.id, err instanceof PbxUnavailable && err.uncertain);
        throw err;
      }
      if (change && change.events.length) {
        if (await settle(db, claim.id, claims.holder, change, false)) afterCommit(deps, claim.session, change);
      } else await endClaim(deps, claim.id, false);
      return true;
    } finally {
      if (iface) claims.unhold(iface);
    }
  });
}

import type { Deps } from '../commands/deps.js';
import { claimed } from './claimed.js';
import { type OverduePause, overdueEvent, overduePauses } from './overdue.js';

/**
 * Reports every pause overdue at `at` and not yet reported, each under its agent's claim and through
 * the one writer: claim (nothing asked of Asterisk) → read the pause again → settle its
 * `pause_overdue` event (source `policy`) with the pause marked as reported (`overdue_for`). So the
 * report is ordered with the agent's other changes like any change of the record, and written once:
 * an instance that claims the agent after another reported it (or after a restart) finds it marked.
 * Returns what it wrote; a pause it could not report now is left for the next look.
 */
export async function recordOverdue(deps: Deps, at: Date): Promise<OverduePause[]> {
  const written: OverduePause[] = [];
  for (const agent of await overduePauses(deps.db, at)) {
    let found: OverduePause | undefined;
    try {
      const result = await claimed(deps, { agent, action: 'overdue', source: 'policy', actions: 0 }, async () => {
        found = await overdueEvent(deps.db, agent, at);
        if (!found) return undefined;
        return { overdue: true, events: [{ exten: found.exten, queue: null, kind: 'pause_overdue', reason: found.reason, source: 'policy', detail: found.detail }] };
      });
      if (result === 'settled' && found) written.push(found);
    } catch (err) {
      // e.g. the agent stayed claimed by a command Asterisk is slow to answer: the others are reported now
      deps.log.warn({ agent, err: (err as Error).message }, 'could not report an overdue pause; trying again at the next look');
    }
  }
  return written;
}

import type { Deps } from '../commands/deps.js';
import { pbxOfQueue } from '../commands/route.js';

/**
 * Runs `fn` over `items` (in their order) one at a time per lane, the lanes at once: an agent's
 * lane is the PBXs of its session's queues, so a job's command waiting on a slow or unreachable
 * PBX holds back only the agents on that PBX (CONTRACT §9), and the order among agents of the same
 * PBX (first come, first served under a queue's floor) stays. A failure ends its lane; the first
 * is thrown once every lane has ended.
 */
export async function inLanes<T extends { agent: string }>(deps: Deps, items: T[], fn: (item: T) => Promise<void>): Promise<void> {
  if (items.length === 0) return;
  const rows: Array<{ agent: string; queue: string }> = await deps.db('session_queues').select('agent', 'queue').whereIn('agent', [...new Set(items.map((i) => i.agent))]);
  const pbxes = new Map<string, Set<string>>();
  for (const r of rows) pbxes.set(r.agent, (pbxes.get(r.agent) ?? new Set()).add(pbxOfQueue(deps, {}, r.queue)));
  const lanes = new Map<string, T[]>();
  for (const item of items) {
    const key = [...(pbxes.get(item.agent) ?? [])].sort().join(',');
    lanes.set(key, [...(lanes.get(key) ?? []), item]);
  }
  // every lane ends before this does (a failure ends its own lane only), so the job's idle means idle
  const ended = await Promise.allSettled(
    [...lanes.values()].map(async (lane) => {
      for (const item of lane) await fn(item);
    }),
  );
  const failed = ended.find((e) => e.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * Members Asterisk has and agentgate does not know are reported when that set changes, not on every
 * reconcile: the same warning every RECONCILE_INTERVAL_S about the same members hides everything else.
 */
const lastSeen = new WeakMap<object, string>();

/** Whether `unknown` differs from what was last seen on this PBX (any order); remembers it. */
export function unknownChanged(pbx: object, unknown: ReadonlyArray<{ queue: string; interface: string }>): boolean {
  const key = unknown.map((m) => `${m.queue}\u0000${m.interface}`).sort().join('\u0001');
  const changed = (lastSeen.get(pbx) ?? '') !== key;
  lastSeen.set(pbx, key);
  return changed;
}

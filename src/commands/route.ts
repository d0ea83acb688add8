import { type Pbx, PbxUnavailable } from '../ami/pbx.js';
import { DEFAULT_PBX } from '../provision/pbxes.js';
import type { Deps } from './deps.js';
import type { QueueState } from './store.js';

/** The queues of one PBX a command acts on, with its connection and the member's interface there. */
export interface Placed {
  name: string;
  pbx: Pbx;
  queues: string[];
  /** The member's interface on this PBX (`memberOn`); '' when no member was given. */
  iface: string;
}

/** The member a command acts on: its extension and its own (home) interface. */
export interface Member {
  exten: string;
  interface: string;
}

/**
 * Where each queue's actions go (CONTRACT §9): to the PBX its intent names (`placed`, written by
 * the claim from `queues.pbx`), so a settle in doubt later asks the very servers the command
 * asked. Every one of them must be up before anything is sent: a PBX down answers
 * `PBX unavailable` and nothing changes on the others.
 */
export function placeQueues(deps: Deps, placed: Record<string, string>, queues: string[], member?: Member): Placed[] {
  const byPbx = new Map<string, string[]>();
  for (const queue of queues) {
    const name = pbxOfQueue(deps, placed, queue);
    byPbx.set(name, [...(byPbx.get(name) ?? []), queue]);
  }
  return [...byPbx]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, qs]) => ({ name, pbx: deps.pbxes.ready(name), queues: qs, iface: member ? interfaceOn(deps, name, member) : '' }));
}

/**
 * The member's interface on PBX `name`: its own there, another PBX's `remote_interface` for it
 * (CONTRACT §9). A login checks `unreachable` first; a member logged in before its PBX's template
 * was removed is still looked for under its own interface.
 */
export function interfaceOn(deps: Deps, name: string, member: Member): string {
  return deps.pbxes.memberOn(name, member.exten, member.interface) ?? member.interface;
}

/**
 * Marks the member's interfaces (its own, and the one the other PBXs' queues know it by) as acted
 * on by this process until the returned function is called: Asterisk's events on them meanwhile
 * are our own actions' echoes, which the settle records.
 */
export function holdMember(deps: Deps, exten: string | null | undefined, home: string | null | undefined): () => void {
  if (!home) return () => undefined;
  const remote = exten ? deps.pbxes.remoteOf(exten) : undefined;
  const held = remote && remote !== home ? [home, remote] : [home];
  for (const i of held) deps.claims.hold(i);
  return () => {
    for (const i of held) deps.claims.unhold(i);
  };
}

/** The queues' PBXs that have no way to reach the extension's phone: another PBX, and its PBX has no `remote_interface`. */
export function unreachable(deps: Deps, placed: Record<string, string>, queues: string[], exten: string): string[] {
  return [...new Set(queues.map((q) => pbxOfQueue(deps, placed, q)))].filter((name) => deps.pbxes.memberOn(name, exten, '') === null).sort();
}

/** The PBX of one queue: the intent's word, else provisioning's (a queue it did not know). */
export function pbxOfQueue(deps: Deps, placed: Record<string, string>, queue: string): string {
  return placed[queue] ?? deps.pbxes.queuePbx(queue) ?? DEFAULT_PBX;
}

/** The connection of `queue` among `placed` (from `placeQueues`). */
export function connectionOf(placed: Placed[], queue: string): Placed {
  const p = placed.find((x) => x.queues.includes(queue));
  if (!p) throw new Error(`queue ${queue} was not placed`);
  return p;
}

/**
 * Pauses (or unpauses) the member in all of its queues: one QueuePause without Queue per PBX (all
 * or nothing within each Asterisk), the PBXs at once. Those that applied it are put back by `undo`
 * (the command's `Undo`) if another refused; one left unanswered leaves the whole intent in doubt.
 */
export async function pauseOnEach(placed: Placed[], undo: Array<() => Promise<void>>, before: QueueState[], paused: boolean, reason: string | undefined): Promise<void> {
  const results = await Promise.allSettled(placed.map((p) => p.pbx.queuePause(p.iface, paused, reason)));
  results.forEach((r, i) => {
    const p = placed[i] as Placed;
    if (r.status !== 'fulfilled') return;
    undo.push(async () => {
      for (const q of before.filter((x) => p.queues.includes(x.queue))) await p.pbx.queuePause(p.iface, q.paused, q.reason ?? undefined, q.queue);
    });
  });
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (failures.length) throw failures.find((e) => e instanceof PbxUnavailable && e.uncertain) ?? failures[0];
}

import type { AgentCall, CallState, Leg, QueueWaiting, Waiter } from './types.js';

/** Each member interface's legs (a leg: one caller ringing or talking to it), as the board keeps them. */
export class Legs extends Map<string, Leg[]> {
  /** `pbx`: the PBX whose calls these are. */
  constructor(private readonly pbx: string) {
    super();
  }

  /** The legs of one caller, on every member. */
  ofCall(uniqueid: string): Leg[] {
    return [...this.values()].flat().filter((l) => l.uniqueid === uniqueid);
  }

  /** A leg starts or changes (one per caller and member); a call answered replaces what a rebuild guessed. */
  put(iface: string, leg: Leg): void {
    const legs = (this.get(iface) ?? []).filter((l) => l.uniqueid !== leg.uniqueid && !(leg.state === 'on_call' && l.rebuilt && l.queue === leg.queue));
    this.set(iface, [...legs, leg]);
  }

  /** Drops these legs; returns the interfaces whose legs changed. */
  drop(gone: Leg[]): Set<string> {
    const ifaces = new Set<string>();
    for (const leg of gone) {
      const legs = this.get(leg.interface);
      if (!legs?.includes(leg)) continue;
      const rest = legs.filter((l) => l !== leg);
      if (rest.length) this.set(leg.interface, rest);
      else this.delete(leg.interface);
      ifaces.add(leg.interface);
    }
    return ifaces;
  }

  /** What a member's tile shows: its latest call answered, else its latest ringing. */
  shown(iface: string): AgentCall | null {
    const legs = this.get(iface) ?? [];
    const latest = (state: CallState) => legs.filter((l) => l.state === state).at(-1);
    const leg = latest('on_call') ?? latest('ringing');
    if (!leg) return null;
    return { state: leg.state, queue: leg.queue, pbx: this.pbx, caller: leg.caller, caller_name: leg.callerName, since: leg.since === null ? null : new Date(leg.since).toISOString() };
  }

  /** Members talking on a queue call now. */
  onCall(): number {
    let n = 0;
    for (const legs of this.values()) if (legs.some((l) => l.state === 'on_call')) n++;
    return n;
  }
}

/** Each queue's callers waiting, by their uniqueid. */
export class Waiting extends Map<string, Map<string, Waiter>> {
  of(queue: string): Map<string, Waiter> {
    let w = this.get(queue);
    if (!w) {
      w = new Map();
      this.set(queue, w);
    }
    return w;
  }

  /** How many wait in a queue and how long the first has waited, at `now`. */
  summary(queue: string, now: number): QueueWaiting {
    const w = this.get(queue);
    if (!w || w.size === 0) return { waiting: 0, longest_wait_s: 0 };
    let oldest = Infinity;
    for (const x of w.values()) oldest = Math.min(oldest, x.since);
    return { waiting: w.size, longest_wait_s: Math.max(0, Math.floor((now - oldest) / 1000)) };
  }
}

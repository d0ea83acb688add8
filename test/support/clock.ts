import type { Clock } from '../../src/sync/clock.js';
import type { Clock as DatabaseClock } from '../../src/webhooks/clock.js';

/** A clock that moves only when told: timers due by then fire, in time order. No real waiting. */
export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  constructor(start = Date.now()) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** When the armed timers will fire, earliest first. */
  armed(): number[] {
    return [...this.timers.values()].map((x) => x.at).sort((a, b) => a - b);
  }

  /** Moves to `at` (never back) and fires every timer due by then. */
  advanceTo(at: number): void {
    this.t = Math.max(this.t, at);
    const due = [...this.timers.entries()].filter(([, x]) => x.at <= this.t).sort((a, b) => a[1].at - b[1].at);
    for (const [id, x] of due) {
      this.timers.delete(id);
      x.fn();
    }
  }

  advance(ms: number): void {
    this.advanceTo(this.t + ms);
  }
}

/** The database's clock, moved forward by hand: backoff and give-up without waiting. */
export class ShiftedClock implements DatabaseClock {
  private shift = 0;
  advance(ms: number): void {
    this.shift += ms;
  }
  offsetMs(): number {
    return this.shift;
  }
}

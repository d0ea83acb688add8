import type { Knex } from 'knex';
import { type Clock, clockNow } from '../../src/clock.js';

/**
 * The database's clock, moved forward by hand (`advance`): a ten-minute limit, a backoff or the
 * 24 h give-up is tested without waiting. Its timers fire when it moves past them, in time order,
 * or when their time comes by itself (the database's time runs on meanwhile).
 */
export class TestClock implements Clock {
  private shift = 0;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void; real: NodeJS.Timeout }>();

  offsetMs(): number {
    return this.shift;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    const real = setTimeout(() => this.fire(id), Math.min(Math.max(0, ms), 2 ** 31 - 1));
    real.unref();
    this.timers.set(id, { at: this.elapsed() + Math.max(0, ms), fn, real });
    return id;
  }

  clearTimeout(handle: unknown): void {
    const t = this.timers.get(handle as number);
    if (!t) return;
    clearTimeout(t.real);
    this.timers.delete(handle as number);
  }

  /** Milliseconds until each armed timer fires, soonest first. */
  armed(): number[] {
    const now = this.elapsed();
    return [...this.timers.values()].map((t) => t.at - now).sort((a, b) => a - b);
  }

  /** Moves forward by `ms` and fires every timer due by then. */
  advance(ms: number): void {
    this.shift += Math.max(0, ms);
    const now = this.elapsed();
    const due = [...this.timers.entries()].filter(([, t]) => t.at <= now).sort((a, b) => a[1].at - b[1].at);
    for (const [id] of due) this.fire(id);
  }

  /** This clock's time (epoch milliseconds), read from the database. */
  async now(db: Knex): Promise<number> {
    return (await clockNow(db, this)).getTime();
  }

  /** Moves forward to `at` (never back). */
  async advanceTo(db: Knex, at: number): Promise<void> {
    this.advance(at - (await this.now(db)));
  }

  /** Time that passes for this clock: the process's own (it runs as the database's does) plus the shift. */
  private elapsed(): number {
    return performance.now() + this.shift;
  }

  private fire(id: number): void {
    const t = this.timers.get(id);
    if (!t) return;
    this.timers.delete(id);
    clearTimeout(t.real);
    t.fn();
  }
}

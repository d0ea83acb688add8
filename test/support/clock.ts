import type { Clock } from '../../src/webhooks/clock.js';

/** The database's clock, moved forward by hand: backoff and give-up without waiting. */
export class ShiftedClock implements Clock {
  private shift = 0;
  advance(ms: number): void {
    this.shift += ms;
  }
  offsetMs(): number {
    return this.shift;
  }
}

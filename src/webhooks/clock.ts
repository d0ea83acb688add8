/**
 * The outbox's time is the database's (`clock_timestamp()`), one clock for every instance, moved by
 * `offsetMs`: tests move it forward to see backoff and the 24 h give-up without waiting.
 */
export interface Clock {
  offsetMs(): number;
}

export const databaseClock: Clock = { offsetMs: () => 0 };

/** A clock tests move by hand. */
export class ShiftedClock implements Clock {
  private shift = 0;
  advance(ms: number): void {
    this.shift += ms;
  }
  offsetMs(): number {
    return this.shift;
  }
}

/**
 * The outbox's time is the database's (`clock_timestamp()`), one clock for every instance, moved by
 * `offsetMs`: tests move it forward to see backoff and the 24 h give-up without waiting.
 */
export interface Clock {
  offsetMs(): number;
}

export const databaseClock: Clock = { offsetMs: () => 0 };

import type { Knex } from 'knex';

/**
 * The one clock of everything that acts on time (the pause rules, the webhook outbox): the
 * database's (`clock_timestamp()`), the same for every instance whatever the hosts' clocks say,
 * ahead by `offsetMs` — 0 in production; tests move it forward instead of waiting. Timers are set
 * through the same object, so a test clock fires those that come due when it moves.
 */
export interface Clock {
  /** How far this clock is ahead of the database's. */
  offsetMs(): number;
  /** Calls `fn` once, `ms` from now by this clock; never keeps the process alive. */
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const databaseClock: Clock = {
  offsetMs: () => 0,
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** The clock's time in SQL; its one bind is the offset in milliseconds (`clock.offsetMs()`). */
export const CLOCK_NOW = `(clock_timestamp() + make_interval(secs => ?::float8 / 1000))`;

/** The clock's time now, read from the database. */
export async function clockNow(db: Knex, clock: Clock): Promise<Date> {
  const { rows } = await db.raw(`select to_jsonb(${CLOCK_NOW}) #>> '{}' as t`, [clock.offsetMs()]);
  return new Date(rows[0].t as string);
}

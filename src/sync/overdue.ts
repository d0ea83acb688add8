import type { Knex } from 'knex';
import { isoSql } from '../db/iso.js';

/**
 * The statements of the pause rules (all reads: the overdue record is written by `settle`, see
 * `record-overdue.ts`). A pause is the agent's own (paused in every queue of its session, as
 * `status` says), known by when it began (`agent_sessions.since`), with the reason of its first
 * paused queue; it is overdue once it has lasted its reason's `max_minutes`. Every statement takes
 * the time to judge by (`at`) from the caller: the database's clock (`clockNow`), by which `since`
 * was stamped, read once per look so the statements of one look agree.
 */

// Paused agents whose reason has a limit, and when each pause becomes overdue. The EXISTS makes the
// whole read free while no reason has a limit.
const OVERDUE = `
  p AS (
    SELECT q.agent, q.reason
      FROM agent_pause q
     WHERE q.all_paused AND EXISTS (SELECT 1 FROM pause_reasons x WHERE x.max_minutes IS NOT NULL)
  ), o AS (
    SELECT s.agent, s.exten, s.since, s.overdue_for, r.name AS reason, r.max_minutes, r.on_overrun,
           s.since + make_interval(mins => r.max_minutes) AS due
      FROM p
      JOIN agent_sessions s ON s.agent = p.agent
      JOIN pause_reasons r ON lower(r.name) = lower(p.reason) AND r.max_minutes IS NOT NULL
  )`;


export interface OverduePause {
  agent: string;
  exten: string;
  reason: string;
  detail: string;
}

/** Agents whose pause is overdue at `at` and not yet reported: each is then reported under its claim. */
export async function overduePauses(db: Knex, at: Date): Promise<string[]> {
  const { rows } = await db.raw(
    `WITH ${OVERDUE}
     SELECT o.agent FROM o WHERE o.due <= ?::timestamptz AND o.overdue_for IS DISTINCT FROM o.since ORDER BY o.due, o.agent`,
    [at.toISOString()],
  );
  return (rows as Array<{ agent: string }>).map((r) => r.agent);
}

/**
 * Read under the agent's claim: its `pause_overdue` event when its pause is overdue at `at` and not
 * yet reported (`detail` says the limit, the minutes paused, when the pause began and what the rule
 * does); undefined otherwise (it ended, or another instance reported it first).
 */
export async function overdueEvent(db: Knex, agent: string, at: Date): Promise<OverduePause | undefined> {
  const { rows } = await db.raw(
    `WITH ${OVERDUE}
     SELECT o.agent, o.exten, o.reason,
            json_build_object('max_minutes', o.max_minutes,
                              'paused_minutes', floor(extract(epoch FROM ?::timestamptz - o.since) / 60)::int,
                              'since', ${isoSql('o.since')},
                              'on_overrun', o.on_overrun)::text AS detail
       FROM o WHERE o.agent = ? AND o.due <= ?::timestamptz AND o.overdue_for IS DISTINCT FROM o.since`,
    [at.toISOString(), agent, at.toISOString()],
  );
  return rows[0] as OverduePause | undefined;
}

/**
 * Pauses to end (`on_overrun: unpause`) at `at`: overdue and already recorded as such, so the
 * `pause_overdue` event always comes before the `unpause`. `since` names the pause for the
 * unpause's check under its claim (read as the claim reads it, so the two compare equal).
 */
export async function overrunsToEnd(db: Knex, at: Date): Promise<Array<{ agent: string; since: Date }>> {
  const { rows } = await db.raw(
    `WITH ${OVERDUE}
     SELECT o.agent, to_jsonb(o.since) #>> '{}' AS since FROM o
      WHERE o.on_overrun = 'unpause' AND o.due <= ?::timestamptz AND o.overdue_for = o.since
      ORDER BY o.due`,
    [at.toISOString()],
  );
  return (rows as Array<{ agent: string; since: string }>).map((r) => ({ agent: r.agent, since: new Date(r.since) }));
}

/** When the next pause not yet recorded becomes overdue, after `at`. */
export async function nextOverdueAt(db: Knex, at: Date): Promise<Date | undefined> {
  const { rows } = await db.raw(
    `WITH ${OVERDUE}
     SELECT to_jsonb(min(o.due)) #>> '{}' AS due FROM o WHERE o.due > ?::timestamptz AND o.overdue_for IS DISTINCT FROM o.since`,
    [at.toISOString()],
  );
  const due = rows[0]?.due as string | null | undefined;
  return due ? new Date(due) : undefined;
}

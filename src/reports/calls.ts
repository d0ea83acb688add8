import type { Knex } from 'knex';
import type { Frame } from './fold.js';
import { byPause } from './params.js';
import type { ReportRow } from './row.js';

/** Queue calls of one group of the report. */
export interface CallTally {
  answered: number;
  talkS: number;
  missed: number;
}

/**
 * The report's call columns from `queue_calls` (sql/009_calls.sql), for the calls of agentgate's
 * agents: answered calls and their talk time, counted where the call was answered (by day: the local
 * day it was answered on, its whole talk time there); missed rings where the ring began. One
 * statement, grouped as the report is; none for group=reason or group=actor (a call has no pause).
 */
export async function callTallies(db: Knex, frame: Frame): Promise<Map<string, CallTally>> {
  if (byPause(frame.group) || frame.stop <= frame.start) return new Map();
  // by day: the index of the local day among the frame's bounds, as the pause fold cuts them
  const key =
    frame.group === 'agent'
      ? 'agent'
      : frame.group === 'queue'
        ? 'queue'
        : frame.group === 'pbx'
          ? "coalesce((SELECT q.pbx FROM queues q WHERE q.name = queue_calls.queue), '')"
          : 'width_bucket(started, ?::timestamptz[])::text';
  const bindings: Knex.Value[] = frame.group === 'day' ? [`{${frame.bounds.map((b) => `"${new Date(b).toISOString()}"`).join(',')}}`] : [];
  const { rows } = await db.raw<{ rows: Array<{ key: string; answered: number; talk_s: number; missed: number }> }>(
    `SELECT ${key} AS key,
            count(*) FILTER (WHERE outcome = 'answered')::int AS answered,
            coalesce(sum(talk_s) FILTER (WHERE outcome = 'answered'), 0)::int AS talk_s,
            count(*) FILTER (WHERE outcome = 'missed')::int AS missed
       FROM queue_calls
      WHERE agent IS NOT NULL AND started >= ? AND started < ?
      GROUP BY 1`,
    [...bindings, new Date(frame.start), new Date(frame.stop)],
  );
  const out = new Map<string, CallTally>();
  for (const r of rows) {
    const k = frame.group === 'day' ? frame.days[Number(r.key) - 1] : r.key;
    if (k !== undefined) out.set(k, { answered: r.answered, talkS: r.talk_s, missed: r.missed });
  }
  return out;
}

/** Puts the call columns on each row (null for group=reason and group=actor, 0 for a group without calls). */
export function addCallColumns(group: Frame['group'], rows: ReportRow[], calls: Map<string, CallTally>): void {
  for (const row of rows) {
    if (byPause(group)) {
      row.calls_answered = null;
      row.talk_s = null;
      row.missed_rings = null;
      continue;
    }
    const key = group === 'agent' ? row.agent : group === 'queue' ? row.queue : group === 'pbx' ? row.pbx : row.day;
    const c = calls.get(key ?? '');
    row.calls_answered = c?.answered ?? 0;
    row.talk_s = c?.talkS ?? 0;
    row.missed_rings = c?.missed ?? 0;
  }
}

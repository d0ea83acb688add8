import type { Knex } from 'knex';
import { clockNow, databaseClock } from '../clock.js';
import { readRecord } from '../reports/record.js';
import { restDueAt } from './judge.js';
import { readBreakReasons, readShiftRules } from './rules.js';
import { ShiftFold } from './shifts.js';

export interface RestDue {
  agent: string;
  /** When the rest break became due. */
  due_since: string;
  shift_start: string;
  /** Whole rest breaks taken in this shift so far. */
  rest_breaks_taken: number;
}

/** How far back a shift still going is looked for. */
const LOOK_BACK_MS = 24 * 3_600_000;

/**
 * The agents logged in now whose rest break is due (src/breaks/judge.ts, `restDueAt`), for the
 * wallboard's mark and the metrics: the last day of the record, read as the breaks report reads it.
 */
export async function restBreaksDue(db: Knex, now: Date = new Date()): Promise<{ at: string; agents: RestDue[] }> {
  const [rules, reasons] = await Promise.all([readShiftRules(db), readBreakReasons(db)]);
  const t = now.getTime();
  const fold = new ShiftFold(reasons, rules.new_shift_after_minutes * 60_000, t);
  await readRecord(db, new Date(t - LOOK_BACK_MS), now, (agent) => fold.begin(agent));
  const agents: RestDue[] = [];
  for (const s of fold.shifts) {
    if (!s.inProgress) continue;
    const due = restDueAt(s, rules);
    if (due === null || due > t) continue;
    const taken = s.breaks.filter((b) => b.kind === 'rest' && b.end - b.start >= rules.rest_minutes * 60_000).length;
    agents.push({ agent: s.agent, due_since: new Date(due).toISOString(), shift_start: new Date(s.start).toISOString(), rest_breaks_taken: taken });
  }
  agents.sort((a, b) => (a.agent < b.agent ? -1 : 1));
  return { at: now.toISOString(), agents };
}

/**
 * `restBreaksDue` by the database's clock (the record's), kept `ttlMs`: every wallboard asks every
 * half minute, and each answer reads a day of the record. Asks while one is read share it.
 */
export function restDueCache(db: Knex, ttlMs = 10_000): () => Promise<{ at: string; agents: RestDue[] }> {
  let last: { at: number; answer: Promise<{ at: string; agents: RestDue[] }> } | undefined;
  return () => {
    const t = performance.now();
    if (!last || t - last.at >= ttlMs) {
      const answer = clockNow(db, databaseClock).then((now) => restBreaksDue(db, now));
      // a failed read is not kept: the next ask tries again
      answer.catch(() => {
        if (last?.answer === answer) last = undefined;
      });
      last = { at: t, answer };
    }
    return last.answer;
  };
}

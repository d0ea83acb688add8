import type { Knex } from 'knex';
import { type ReportRequest, ReportParamError, dayBounds, defaultZone, localIso, oneParam, parseFormat, parseRange, windowOf } from '../reports/params.js';
import { NAME_PATTERN } from '../provision/schema.js';
import { readRecord } from '../reports/record.js';
import { type JudgedBreak, type Problem, judgeShift } from './judge.js';
import { type BreakKind, type ShiftRules, readBreakReasons, readShiftRules } from './rules.js';
import { type Shift, ShiftFold } from './shifts.js';

export type BreaksRequest = Omit<ReportRequest, 'group'> & {
  /** Only this agent's shifts. */
  agent?: string | undefined;
};

/** Query-string or command-line values → a breaks report request; the first bad one is named. */
export function parseBreaksRequest(params: Record<string, unknown>, defaults: { tz: string } = { tz: defaultZone() }): BreaksRequest {
  const range = parseRange(params, defaults);
  const agent = oneParam(params, 'agent');
  if (agent !== undefined && !NAME_PATTERN.test(agent)) throw new ReportParamError('agent', 'agent must be an agent login');
  return { ...range, agent, format: parseFormat(params) };
}

/** A break as the report gives it: local times with their offset. */
export interface BreakOut {
  reason: string;
  start: string;
  end: string;
  length_s: number;
  in_progress: boolean;
  problems: Problem[];
}

/** One agent's shift: the day it began (local), its breaks and what falls short. */
export interface BreaksRow {
  agent: string;
  name: string | null;
  day: string;
  shift_start: string;
  /** The last logoff; for a shift still going, the moment of the report. */
  shift_end: string;
  in_progress: boolean;
  logged_in_s: number;
  worked_s: number;
  rest_breaks_required: number;
  meal_breaks_required: number;
  rest_breaks: BreakOut[];
  meal_breaks: BreakOut[];
  shortfalls: Array<{ break: BreakKind; problem: Problem; at: string | null }>;
}

export interface BreaksReport {
  from: string;
  to: string;
  tz: string;
  agent: string | null;
  /** The instants the range covers; shifts that began within them are its rows. */
  start: string;
  end: string;
  /** The record is read up to here: a day past `end`, or the moment of the report when that is earlier. */
  until: string;
  rules: ShiftRules;
  rows: BreaksRow[];
}

/** A shift that begins on the range's last day may go on past its end: read this much further. */
const TAIL_MS = 24 * 3_600_000;

/**
 * The breaks report (CONTRACT §10, docs/pauses.md "Breaks"): every shift that began within the
 * range, with its rest and meal breaks judged against the shift rules. A shift over midnight belongs
 * to the day it began; the record is read from one shift gap before the range (a shift that began
 * earlier is not this range's) to a day after it.
 */
export async function breaksReport(db: Knex, req: BreaksRequest, now: Date = new Date()): Promise<BreaksReport> {
  const [rules, reasons] = await Promise.all([readShiftRules(db), readBreakReasons(db)]);
  const { days, bounds } = dayBounds(req);
  const start = bounds[0]!;
  const end = bounds[bounds.length - 1]!;
  const gapMs = rules.new_shift_after_minutes * 60_000;
  const readFrom = start - gapMs;
  const stop = Math.max(readFrom, Math.min(end + TAIL_MS, now.getTime()));
  // every agent's name, read meanwhile: the rows are made as each agent is read
  const names = allNames(db);
  names.catch(() => undefined); // awaited below
  const at = (t: number) => localIso(t, req.tz);
  // a shortfall's `at` is its break's start: written once
  const starts = new Map<number, string>();
  const out = (b: JudgedBreak): BreakOut => {
    const start = at(b.start);
    if (b.problems.length) starts.set(b.start, start);
    return { reason: b.reason, start, end: at(b.end), length_s: seconds(b.end - b.start), in_progress: b.open, problems: b.problems };
  };
  const made: Array<{ t: number; row: BreaksRow }> = [];
  const row = (s: Shift) => {
    const j = judgeShift(s, rules);
    starts.clear();
    made.push({
      t: s.start,
      row: {
        agent: s.agent,
        name: null,
        day: days[windowOf(bounds, s.start)]!,
        shift_start: at(s.start),
        shift_end: at(s.end),
        in_progress: s.inProgress,
        logged_in_s: seconds(s.loggedInMs),
        worked_s: seconds(j.workedMs),
        rest_breaks_required: j.restRequired,
        meal_breaks_required: j.mealRequired,
        rest_breaks: j.rests.map(out),
        meal_breaks: j.meals.map(out),
        shortfalls: j.shortfalls.map((f) => ({ break: f.break, problem: f.problem, at: f.at === null ? null : (starts.get(f.at) ?? at(f.at)) })),
      },
    });
  };
  const fold = new ShiftFold(reasons, gapMs, stop, (t) => t >= start && t < end, row);
  const skip = { event() {}, end() {} };
  await readRecord(db, new Date(readFrom), new Date(stop), (agent) => (req.agent === undefined || agent === req.agent ? fold.begin(agent) : skip));
  made.sort((a, b) => (a.row.agent < b.row.agent ? -1 : a.row.agent > b.row.agent ? 1 : a.t - b.t));
  const byLogin = await names;
  const rows = made.map(({ row }) => {
    row.name = byLogin.get(row.agent) ?? null;
    return row;
  });
  return {
    from: req.from,
    to: req.to,
    tz: req.tz,
    agent: req.agent ?? null,
    start: new Date(start).toISOString(),
    end: new Date(end).toISOString(),
    until: new Date(stop).toISOString(),
    rules,
    rows,
  };
}

const seconds = (ms: number) => Math.round(ms / 1000);

async function allNames(db: Knex): Promise<Map<string, string>> {
  const rows: Array<{ login: string; name: string }> = await db('agents').select('login', 'name');
  return new Map(rows.map((r) => [r.login, r.name]));
}

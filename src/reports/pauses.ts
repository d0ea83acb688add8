import type { Knex } from 'knex';
import { addCallColumns, callTallies } from './calls.js';
import { type Frame, PauseFold, type Tally } from './fold.js';
import { type Group, type ReportRequest, byPause, dayBounds } from './params.js';
import { explainRecord, readRecord } from './record.js';
import type { ReportRow } from './row.js';

export type { ReportRow } from './row.js';

export interface PauseReport {
  from: string;
  to: string;
  tz: string;
  group: Group;
  /** The instants the range covers: from the start of `from` to the end of `to`, local time. */
  start: string;
  end: string;
  /** Time counts up to here: `end`, or the moment of the report when that is earlier. */
  until: string;
  /** Every reason in the rows (null: none given), in the order of the CSV's columns. */
  reasons: Array<string | null>;
  /** Those of `reasons` that are productive (pause rules), as the report was made. */
  productive_reasons: string[];
  rows: ReportRow[];
}

/** The pause report for a range: read the record, fold it per agent, one row per group. */
export async function pauseReport(db: Knex, req: ReportRequest, now: Date = new Date()): Promise<PauseReport> {
  const { days, bounds } = dayBounds(req);
  const start = bounds[0]!;
  const end = bounds[bounds.length - 1]!;
  const stop = Math.max(start, Math.min(end, now.getTime()));
  const frame: Frame = { group: req.group, start, stop, bounds, days, ...(req.group === 'pbx' ? { pbxOf: await queuePbxes(db) } : {}) };
  const fold = new PauseFold(frame);
  const calls = callTallies(db, frame);
  calls.catch(() => undefined); // awaited below, after the record
  if (stop > start) await readRecord(db, new Date(start), new Date(stop), (agent) => fold.begin(agent));
  const callsByKey = await calls;
  // a group with calls and no logged-in time of its own still gets its row
  for (const key of callsByKey.keys()) fold.ensure(key);
  const names = req.group === 'agent' ? await agentNames(db, [...fold.tallies.keys()]) : new Map<string, string>();
  const productive = await productiveReasons(db);
  return {
    from: req.from,
    to: req.to,
    tz: req.tz,
    group: req.group,
    start: new Date(start).toISOString(),
    end: new Date(end).toISOString(),
    until: new Date(stop).toISOString(),
    ...withCalls(req.group, rowsOf(req.group, fold, names, productive), callsByKey),
  };
}

function withCalls<R extends Pick<PauseReport, 'rows'>>(group: Group, r: R, calls: Awaited<ReturnType<typeof callTallies>>): R {
  addCallColumns(group, r.rows, calls);
  return r;
}

/** EXPLAIN ANALYZE of the report's statements, for the bench. */
export async function explainPauseReport(db: Knex, req: ReportRequest, now: Date = new Date()): Promise<string[]> {
  const { bounds } = dayBounds(req);
  return explainRecord(db, new Date(bounds[0]!), new Date(Math.min(bounds[bounds.length - 1]!, now.getTime())));
}

async function queuePbxes(db: Knex): Promise<Map<string, string>> {
  const rows: Array<{ name: string; pbx: string }> = await db('queues').select('name', 'pbx');
  return new Map(rows.map((r) => [r.name, r.pbx]));
}

async function agentNames(db: Knex, agents: string[]): Promise<Map<string, string>> {
  if (agents.length === 0) return new Map();
  const rows: Array<{ login: string; name: string }> = await db('agents').select('login', 'name').whereIn('login', agents);
  return new Map(rows.map((r) => [r.login, r.name]));
}

/**
 * The reasons provisioned `productive: true`, in lower case: the record keeps a reason as it was
 * given (Asterisk's own pauses in any case), and the flag is read as the report is made.
 */
async function productiveReasons(db: Knex): Promise<Set<string>> {
  const rows: Array<{ name: string }> = await db('pause_reasons').select('name').where({ productive: true });
  return new Set(rows.map((r) => r.name.toLowerCase()));
}

const seconds = (ms: number) => Math.round(ms / 1000);
const ratio = (ms: number, of: number) => (of > 0 ? Math.round((ms / of) * 10_000) / 10_000 : null);

function rowsOf(group: Group, fold: PauseFold, names: Map<string, string>, productive: Set<string>): Pick<PauseReport, 'reasons' | 'productive_reasons' | 'rows'> {
  const reasonKeys = new Set<string>();
  for (const t of fold.tallies.values()) for (const r of t.byReasonMs.keys()) reasonKeys.add(r);
  const reasons = [...reasonKeys].sort(byText).map((r) => (r === '' ? null : r));
  const isProductive = (r: string) => r !== '' && productive.has(r.toLowerCase());
  const keys = [...fold.tallies.keys()].sort(byText);
  const rows = keys.map((key) => {
    const t = fold.tallies.get(key) as Tally;
    const loggedInMs = byPause(group) ? fold.totalLoggedInMs : t.loggedInMs;
    let productiveMs = 0;
    for (const [r, ms] of t.byReasonMs) if (isProductive(r)) productiveMs += ms;
    const head: Partial<ReportRow> =
      group === 'agent' ? { agent: key, name: names.get(key) ?? null } : byPause(group) ? { [group]: key === '' ? null : key } : group === 'queue' ? { queue: key } : group === 'pbx' ? { pbx: key === '' ? null : key } : { day: key };
    return {
      ...head,
      logged_in_s: seconds(loggedInMs),
      paused_s: seconds(t.pausedMs),
      paused_by_reason: Object.fromEntries([...t.byReasonMs.entries()].sort(([a], [b]) => byText(a, b)).map(([r, ms]) => [r, seconds(ms)])),
      pauses: t.pauses,
      longest_pause_s: seconds(t.longestMs),
      paused_ratio: ratio(t.pausedMs, loggedInMs),
      productive_paused_s: seconds(productiveMs),
      unproductive_paused_ratio: ratio(t.pausedMs - productiveMs, loggedInMs),
    } as ReportRow;
  });
  return { reasons, productive_reasons: [...reasonKeys].filter(isProductive).sort(byText), rows };
}

/** Text order that puts "" (no reason) last. */
function byText(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '') return 1;
  if (b === '') return -1;
  return a < b ? -1 : 1;
}

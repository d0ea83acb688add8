import type { Knex } from 'knex';
import { type Frame, PauseFold, type Tally } from './fold.js';
import { type Group, type ReportRequest, dayBounds } from './params.js';

export interface ReportRow {
  agent?: string;
  name?: string | null;
  reason?: string | null;
  queue?: string;
  day?: string;
  logged_in_s: number;
  paused_s: number;
  /** Paused seconds by reason; `""` is "no reason given". */
  paused_by_reason: Record<string, number>;
  pauses: number;
  longest_pause_s: number;
  /** paused / logged in, 4 decimals; null when nobody was logged in. */
  paused_ratio: number | null;
}

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
  rows: ReportRow[];
}

/**
 * Agents whose session was open when the range began, and when that session began: its events from
 * then on are read too, so a state open at the range's start is known. One probe per (agent, queue)
 * pair ever logged in, walked with a loose index scan over `events_sessions`.
 */
const OPEN_AT = `
with recursive pairs as (
  (select agent, queue from events where kind in ('login', 'logoff') order by agent, queue limit 1)
  union all
  select n.agent, n.queue from pairs p cross join lateral (
    select e.agent, e.queue from events e
     where e.kind in ('login', 'logoff') and (e.agent, e.queue) > (p.agent, p.queue)
     order by e.agent, e.queue limit 1) n
)
select p.agent, min(l.at) as since
  from pairs p cross join lateral (
    select e.kind, e.at from events e
     where e.agent = p.agent and e.queue = p.queue and e.kind in ('login', 'logoff') and e.at < ?
     order by e.at desc limit 1) l
 where l.kind = 'login'
 group by p.agent`;

/**
 * One row per agent: its events as `id␟ms␟k␟queue␟reason` records joined by ␞ (k: i login, o logoff,
 * p pause, u unpause). One text per agent keeps the transfer and the parsing cheap. The records come
 * in whatever order the plan gives (an ordered aggregate would sort every agent's events in
 * Postgres); `feed` puts them in order.
 */
const EVENT_LIST = `string_agg(concat_ws(chr(31), id, floor(date_part('epoch', at) * 1000)::bigint,
  case kind when 'login' then 'i' when 'logoff' then 'o' when 'pause' then 'p' else 'u' end,
  coalesce(queue, ''), coalesce(reason, '')), chr(30))`;
const KINDS = `kind in ('login', 'logoff', 'pause', 'unpause')`;

/** Agents `>= from` and `< to` (either end open): one slice of the report, read by one statement. */
interface Slice {
  from: string | null;
  to: string | null;
}

function sliceSql(s: Slice, column: string): { sql: string; bindings: string[] } {
  const parts: string[] = [];
  const bindings: string[] = [];
  if (s.from !== null) parts.push(`${column} >= ?`) && bindings.push(s.from);
  if (s.to !== null) parts.push(`${column} < ?`) && bindings.push(s.to);
  return { sql: parts.length ? ` and ${parts.join(' and ')}` : '', bindings };
}

async function agentEvents(db: Knex, start: Date, stop: Date, open: Array<{ agent: string; since: Date }>, slice: Slice, explain = ''): Promise<Array<{ agent: string; evs: string }>> {
  const only = sliceSql(slice, 'agent');
  const inRange = `select agent, id, at, kind, queue, reason from events where at >= ? and at < ? and ${KINDS}${only.sql}`;
  if (open.length === 0) {
    const r = await db.raw(`${explain}select agent, ${EVENT_LIST} as evs from (${inRange}) x group by agent`, [start, stop, ...only.bindings]);
    return explain ? r : r.rows;
  }
  const before = `select e.agent, e.id, e.at, e.kind, e.queue, e.reason
    from events e join (select unnest(?::text[]) as agent, unnest(?::timestamptz[]) as since) o on e.agent = o.agent
   where e.at >= o.since and e.at < ? and e.${KINDS}${sliceSql(slice, 'e.agent').sql}`;
  const r = await db.raw(`${explain}select agent, ${EVENT_LIST} as evs from (${inRange} union all ${before}) x group by agent`, [
    start,
    stop,
    ...only.bindings,
    open.map((o) => o.agent),
    open.map((o) => new Date(o.since).toISOString()),
    start,
    ...only.bindings,
  ]);
  return explain ? r : r.rows;
}

const KIND_OF: Record<number, string> = { 105: 'login', 111: 'logoff', 112: 'pause', 117: 'unpause' };

type Sink = { event(t: number, kind: string, queue: string | null, reason: string | null): void };

/** Reads one agent's records and hands them to the fold in order: time, then id. */
function feed(evs: string, sink: Sink): void {
  const ids: number[] = [];
  const ts: number[] = [];
  const kinds: string[] = [];
  const queues: Array<string | null> = [];
  const reasons: Array<string | null> = [];
  const n = evs.length;
  let sorted = true;
  let i = 0;
  while (i < n) {
    let id = 0;
    for (let c = evs.charCodeAt(i); c !== 31; c = evs.charCodeAt(++i)) id = id * 10 + (c - 48);
    let t = 0;
    for (let c = evs.charCodeAt(++i); c !== 31; c = evs.charCodeAt(++i)) t = t * 10 + (c - 48);
    const kind = KIND_OF[evs.charCodeAt(i + 1)] ?? '';
    i += 3;
    let j = evs.indexOf('\u001f', i);
    const queue = j > i ? evs.slice(i, j) : null;
    i = j + 1;
    j = evs.indexOf('\u001e', i);
    if (j < 0) j = n;
    const reason = j > i ? evs.slice(i, j) : null;
    i = j + 1;
    const k = ts.length;
    if (k > 0 && (t < ts[k - 1]! || (t === ts[k - 1]! && id < ids[k - 1]!))) sorted = false;
    ids.push(id);
    ts.push(t);
    kinds.push(kind);
    queues.push(queue);
    reasons.push(reason);
  }
  const order = ts.map((_, k) => k);
  if (!sorted) order.sort((a, b) => ts[a]! - ts[b]! || ids[a]! - ids[b]!);
  for (const k of order) sink.event(ts[k]!, kinds[k]!, queues[k]!, reasons[k]!);
}

/** The pause report for a range: read the record, fold it per agent, one row per group. */
export async function pauseReport(db: Knex, req: ReportRequest, now: Date = new Date()): Promise<PauseReport> {
  const { days, bounds } = dayBounds(req);
  const start = bounds[0]!;
  const end = bounds[bounds.length - 1]!;
  const stop = Math.max(start, Math.min(end, now.getTime()));
  const frame: Frame = { group: req.group, start, stop, bounds, days };
  const fold = new PauseFold(frame);
  if (stop > start) {
    // two halves of the agents, each a statement on its own connection; each is folded as it arrives
    const slices = await halves(db);
    await Promise.all(
      slices.map(async (slice) => {
        for (const row of await readEvents(db, new Date(start), new Date(stop), slice)) {
          const sink = fold.begin(row.agent);
          feed(row.evs, sink);
          sink.end();
        }
      }),
    );
  }
  const names = req.group === 'agent' ? await agentNames(db, [...fold.tallies.keys()]) : new Map<string, string>();
  return {
    from: req.from,
    to: req.to,
    tz: req.tz,
    group: req.group,
    start: new Date(start).toISOString(),
    end: new Date(end).toISOString(),
    until: new Date(stop).toISOString(),
    ...rowsOf(req.group, fold, names),
  };
}

/**
 * Both statements in one transaction, with memory enough for the per-agent texts to be built in a
 * hash (not sorted on disk) and time enough for a long range; the connection is free again before
 * the fold begins.
 */
function readEvents(db: Knex, start: Date, stop: Date, slice: Slice, explain = ''): Promise<Array<{ agent: string; evs: string }>> {
  return db.transaction(async (trx) => {
    await trx.raw(`set local work_mem = '${REPORT_WORK_MEM}'`);
    await trx.raw(`set local statement_timeout = ${REPORT_TIMEOUT_MS}`);
    const open = (await trx.raw(OPEN_AT, [start])).rows as Array<{ agent: string; since: Date }>;
    return agentEvents(trx, start, stop, open, slice, explain);
  });
}

/**
 * The agents split in two at the middle login of the agents table (an agent no longer provisioned
 * still falls in one half). Text order is Postgres's: the pivot is compared there, never in JS.
 */
async function halves(db: Knex): Promise<Slice[]> {
  const r = await db.raw(`select login from agents order by login offset (select count(*) / 2 from agents) limit 1`);
  const pivot = (r.rows[0] as { login: string } | undefined)?.login;
  return pivot === undefined ? [{ from: null, to: null }] : [{ from: null, to: pivot }, { from: pivot, to: null }];
}

/** Per-statement memory for the report (the texts of all agents, about 35 bytes an event, are held at once). */
const REPORT_WORK_MEM = '128MB';
const REPORT_TIMEOUT_MS = 120_000;

/** EXPLAIN ANALYZE of the report's two statements (open sessions, then the events), for the bench. */
export async function explainPauseReport(db: Knex, req: ReportRequest, now: Date = new Date()): Promise<string[]> {
  const { bounds } = dayBounds(req);
  const start = new Date(bounds[0]!);
  const stop = new Date(Math.min(bounds[bounds.length - 1]!, now.getTime()));
  const plan = (r: { rows: Array<Record<string, string>> }) => r.rows.map((x) => x['QUERY PLAN'] ?? '');
  const first = plan(await db.raw(`explain (analyze, buffers) ${OPEN_AT}`, [start]));
  const [half] = await halves(db);
  const second = plan((await readEvents(db, start, stop, half ?? { from: null, to: null }, 'explain (analyze, buffers) ')) as unknown as { rows: Array<Record<string, string>> });
  return [...first, '', ...second];
}

async function agentNames(db: Knex, agents: string[]): Promise<Map<string, string>> {
  if (agents.length === 0) return new Map();
  const rows: Array<{ login: string; name: string }> = await db('agents').select('login', 'name').whereIn('login', agents);
  return new Map(rows.map((r) => [r.login, r.name]));
}

const seconds = (ms: number) => Math.round(ms / 1000);

function rowsOf(group: Group, fold: PauseFold, names: Map<string, string>): Pick<PauseReport, 'reasons' | 'rows'> {
  const reasonKeys = new Set<string>();
  for (const t of fold.tallies.values()) for (const r of t.byReasonMs.keys()) reasonKeys.add(r);
  const reasons = [...reasonKeys].sort(byText).map((r) => (r === '' ? null : r));
  const keys = [...fold.tallies.keys()].sort(byText);
  const rows = keys.map((key) => {
    const t = fold.tallies.get(key) as Tally;
    const loggedInMs = group === 'reason' ? fold.totalLoggedInMs : t.loggedInMs;
    const head: Partial<ReportRow> =
      group === 'agent' ? { agent: key, name: names.get(key) ?? null } : group === 'reason' ? { reason: key === '' ? null : key } : group === 'queue' ? { queue: key } : { day: key };
    return {
      ...head,
      logged_in_s: seconds(loggedInMs),
      paused_s: seconds(t.pausedMs),
      paused_by_reason: Object.fromEntries([...t.byReasonMs.entries()].sort(([a], [b]) => byText(a, b)).map(([r, ms]) => [r, seconds(ms)])),
      pauses: t.pauses,
      longest_pause_s: seconds(t.longestMs),
      paused_ratio: loggedInMs > 0 ? Math.round((t.pausedMs / loggedInMs) * 10_000) / 10_000 : null,
    } as ReportRow;
  });
  return { reasons, rows };
}

/** Text order that puts "" (no reason) last. */
function byText(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '') return 1;
  if (b === '') return -1;
  return a < b ? -1 : 1;
}

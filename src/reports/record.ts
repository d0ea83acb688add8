import type { Knex } from 'knex';

/** Where one agent's events go, one at a time, in order (time, then id); then `end()`. */
export interface AgentSink {
  /** `actor`: who started it, on a pause (CONTRACT §8); null on every other kind. */
  event(t: number, kind: string, queue: string | null, reason: string | null, actor: string | null): void;
  end(): void;
}

/**
 * Each agent's events in `[start, stop)` — and, for a session already open at `start`, its events
 * from that session's login on, so the state open at the start is known — handed to `begin(agent)`'s
 * sink in order, one agent at a time (agents in no particular order).
 *
 * Three statements at once, each on its own connection: the open sessions' earlier events, and the
 * range's events in two halves of the agents. Each half is folded as it arrives.
 */
export async function readRecord(db: Knex, start: Date, stop: Date, begin: (agent: string) => AgentSink): Promise<void> {
  const earlier = readEarlier(db, start);
  // no unhandled rejection while the halves are read: it is awaited (and thrown) below
  earlier.catch(() => undefined);
  const records = new Records();
  await Promise.all(
    HALVES.map(async (half) => {
      const rows = await readRange(db, start, stop, half);
      const before = await earlier;
      for (const row of rows) {
        const first = before.get(row.agent);
        if (first !== undefined) before.delete(row.agent);
        if (row.evs === null && first === undefined) continue; // only kinds the report does not read
        const sink = begin(row.agent);
        feed(first, row.evs, sink, records);
        sink.end();
      }
    }),
  );
  // sessions open at the start without an event in the range
  for (const [agent, evs] of await earlier) {
    const sink = begin(agent);
    feed(evs, null, sink, records);
    sink.end();
  }
}

/**
 * Agents whose session was open when the range began, and when that session began: one probe per
 * (agent, queue) pair ever logged in, walked with a loose index scan over `events_sessions` (not
 * even begun when no login came before the range).
 */
const OPEN_AT = `
with recursive pairs as (
  (select agent, queue from events
    where kind in ('login', 'logoff') and exists (select 1 from events b where b.kind = 'login' and b.at < ?)
    order by agent, queue limit 1)
  union all
  select n.agent, n.queue from pairs p cross join lateral (
    select e.agent, e.queue from events e
     where e.kind in ('login', 'logoff') and (e.agent, e.queue) > (p.agent, p.queue)
     order by e.agent, e.queue limit 1) n
), open as (
  select p.agent, min(l.at) as since
    from pairs p cross join lateral (
      select e.kind, e.at from events e
       where e.agent = p.agent and e.queue = p.queue and e.kind in ('login', 'logoff') and e.at < ?
       order by e.at desc limit 1) l
   where l.kind = 'login'
   group by p.agent
)`;

/**
 * Per agent, its events' `report_line`s (migrations 006 and 011: `id␟ms␟k␟queue␟actor␟reason`, NULL for the kinds
 * the report does not read, which the aggregate skips) joined by ␞: one text per agent keeps the
 * transfer and the parsing cheap. The lines come in whatever order the plan gives (an ordered
 * aggregate would sort every agent's events in Postgres); `feed` puts them in order.
 */
const LINES = `string_agg(report_line, chr(30))`;

/** The open sessions' events from their login up to the range's start. */
const EARLIER = `${OPEN_AT}
select e.agent, ${LINES} as evs
  from open o join events e on e.agent = o.agent
 where e.at >= o.since and e.at < ?
 group by e.agent`;

/**
 * The agents in two halves by a hash of their login: even whatever the logins look like (a split
 * at a login would put every event in one half when the agents with events sort apart from the
 * provisioned ones). Written as `<>` so the planner expects half of the rows, and hashes them.
 */
const HALVES = ['(hashtext(agent) & 1) <> 1', '(hashtext(agent) & 1) <> 0'] as const;
type Half = (typeof HALVES)[number];

const rangeSql = (half: Half) => `select agent, ${LINES} as evs from events where at >= ? and at < ? and ${half} group by agent`;

/** Per-statement memory for the report (a half's texts, about 32 bytes an event, are held at once in a hash). */
const REPORT_WORK_MEM = '128MB';
const REPORT_TIMEOUT_MS = 120_000;

type Rows = Array<{ agent: string; evs: string | null }>;

/**
 * One statement in a transaction with memory enough for the per-agent texts to be built in a hash
 * (not sorted on disk) and time enough for a long range; the connection is free again before the
 * fold begins.
 */
function roomy<T>(db: Knex, run: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  return db.transaction(async (trx) => {
    await trx.raw(`select set_config('work_mem', ?, true), set_config('statement_timeout', ?, true)`, [REPORT_WORK_MEM, String(REPORT_TIMEOUT_MS)]);
    return run(trx);
  });
}

async function readEarlier(db: Knex, start: Date): Promise<Map<string, string>> {
  const rows: Rows = await roomy(db, async (trx) => (await trx.raw(EARLIER, [start, start, start])).rows);
  return new Map(rows.flatMap((r) => (r.evs === null ? [] : [[r.agent, r.evs] as const])));
}

async function readRange(db: Knex, start: Date, stop: Date, half: Half): Promise<Rows> {
  return roomy(db, async (trx) => (await trx.raw(rangeSql(half), [start, stop])).rows);
}

/** EXPLAIN ANALYZE of the report's statements (the open sessions' earlier events, then one half of the range), for the bench. */
export async function explainRecord(db: Knex, start: Date, stop: Date): Promise<string[]> {
  const explain = 'explain (analyze, buffers) ';
  const plan = (rows: Array<Record<string, string>>) => rows.map((x) => x['QUERY PLAN'] ?? '');
  const first = plan(await roomy(db, async (trx) => (await trx.raw(explain + EARLIER, [start, start, start])).rows));
  const second = plan(await roomy(db, async (trx) => (await trx.raw(explain + rangeSql(HALVES[0]), [start, stop])).rows));
  return [...first, '', ...second];
}

const KIND_OF: string[] = [];
KIND_OF[105] = 'login';
KIND_OF[111] = 'logoff';
KIND_OF[112] = 'pause';
KIND_OF[117] = 'unpause';

/**
 * One agent's records, parsed into arrays reused from agent to agent. An id is read only where it
 * decides the order (two records in the same millisecond, or records out of order): the parse is
 * most of the report's time in this process.
 */
class Records {
  ts = new Float64Array(1024);
  /** Where each record's id is: its text, and the offset in it. */
  idAt = new Int32Array(1024);
  idText: string[] = [];
  kinds: string[] = [];
  queues: Array<string | null> = [];
  reasons: Array<string | null> = [];
  actors: Array<string | null> = [];
  order: number[] = [];
  ids: number[] = [];
  n = 0;
  sorted = true;
  /** The few queues, reasons and actors of the record, each made once (a month is a million events). */
  private readonly seenQueues = new Seen();
  private readonly seenReasons = new Seen();
  private readonly seenActors = new Seen();

  /** Appends the records of one text. */
  parse(evs: string): void {
    const len = evs.length;
    let i = 0;
    while (i < len) {
      const k = this.n;
      if (k === this.ts.length) this.grow();
      this.idAt[k] = i;
      this.idText[k] = evs;
      while (i < len && evs.charCodeAt(i) !== 31) i++;
      let t = 0;
      for (let c = evs.charCodeAt(++i); c !== 31 && i < len; c = evs.charCodeAt(++i)) t = t * 10 + (c - 48);
      const kc = evs.charCodeAt(i + 1);
      i += 3;
      let j = i;
      while (j < len && evs.charCodeAt(j) !== 31) j++;
      this.queues[k] = j > i ? this.seenQueues.text(evs, i, j) : null;
      i = j + 1;
      j = i;
      while (j < len && evs.charCodeAt(j) !== 31) j++;
      // who started it: only a pause's actor is reported (group=actor)
      this.actors[k] = kc === 112 ? this.seenActors.text(evs, i, j) : null;
      i = j + 1;
      j = i;
      while (j < len && evs.charCodeAt(j) !== 30) j++;
      // only a pause's reason changes anything
      this.reasons[k] = kc === 112 && j > i ? this.seenReasons.text(evs, i, j) : null;
      i = j + 1;
      this.kinds[k] = KIND_OF[kc] ?? '';
      this.ts[k] = t;
      if (k > 0 && this.sorted && (t < this.ts[k - 1]! || (t === this.ts[k - 1]! && this.id(k) < this.id(k - 1)))) this.sorted = false;
      this.n = k + 1;
    }
  }

  id(k: number): number {
    const text = this.idText[k]!;
    let id = 0;
    for (let i = this.idAt[k]!, c = text.charCodeAt(i); c !== 31 && i < text.length; c = text.charCodeAt(++i)) id = id * 10 + (c - 48);
    return id;
  }

  private grow(): void {
    const ts = new Float64Array(this.ts.length * 2);
    ts.set(this.ts);
    this.ts = ts;
    const idAt = new Int32Array(this.idAt.length * 2);
    idAt.set(this.idAt);
    this.idAt = idAt;
  }
}

/**
 * The texts met most recently: a field equal to one of them is that string again, not a new one
 * (the record names a few queues, reasons and actors over and over; fewer strings, less to collect).
 */
class Seen {
  private readonly texts: string[] = [];
  private next = 0;

  text(from: string, i: number, j: number): string {
    const len = j - i;
    for (const t of this.texts) if (t.length === len && from.startsWith(t, i)) return t;
    const t = from.slice(i, j);
    // a small ring: a field seen once does not push out the common ones for long
    if (this.texts.length < 16) this.texts.push(t);
    else this.texts[this.next++ % 16] = t;
    return t;
  }
}

/** Reads one agent's texts (the earlier one first) and hands the records to the sink in order: time, then id. */
function feed(first: string | null | undefined, then: string | null, sink: AgentSink, r: Records): void {
  r.n = 0;
  r.sorted = true;
  if (first) r.parse(first);
  if (then) r.parse(then);
  const { ts, kinds, queues, reasons, actors, n } = r;
  if (r.sorted) {
    for (let x = 0; x < n; x++) sink.event(ts[x]!, kinds[x]!, queues[x]!, reasons[x]!, actors[x]!);
    return;
  }
  const { order, ids } = r;
  order.length = n;
  ids.length = n;
  for (let x = 0; x < n; x++) {
    order[x] = x;
    ids[x] = r.id(x);
  }
  order.sort((a, b) => ts[a]! - ts[b]! || ids[a]! - ids[b]!);
  for (const x of order) sink.event(ts[x]!, kinds[x]!, queues[x]!, reasons[x]!, actors[x]!);
}

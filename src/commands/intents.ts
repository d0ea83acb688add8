import { fromJson } from '../db/json.js';
import type { Knex } from 'knex';
import type { Source } from './input.js';
import type { EventKind, ExtenRow, QueueRow, QueueState, SessionRow } from './store.js';

/**
 * The in-doubt registry (table `intents`): what an instance is about to ask of Asterisk, written
 * before it asks. A row is the agent's claim (and, for a login, the extension's): one at a time on
 * every instance. The statement that records the outcome removes it; a row still there after its
 * deadline is in doubt and is settled from what Asterisk holds (see `settleInDoubt`).
 * One function per statement; none holds a connection while Asterisk is asked.
 */

export type IntentAction = 'login' | 'logoff' | 'pause' | 'unpause' | 'observe' | 'resync' | 'overdue';

/** Claims that ask nothing of Asterisk (they only write the record): nothing of theirs can be in doubt. */
export const RECORD_ONLY: ReadonlySet<IntentAction> = new Set(['overdue']);

export interface ClaimSpec {
  agent: string;
  action: IntentAction;
  source: Source;
  exten?: string | undefined;
  /** Queue names or numbers a login asks for. */
  queues?: string[] | undefined;
  /** A pause reason as given: resolved to the configured name by the claim. */
  reason?: string | null | undefined;
  /** The state asked for, kept for whoever has to settle it. */
  want?: Record<string, unknown> | undefined;
  /** How many AMI actions the act may take: the deadline covers them all. 0: it asks nothing of Asterisk. */
  actions: number;
}

export interface Claimed {
  id: number;
  agent: { login: string; name: string };
  session: SessionRow | undefined;
  exten: ExtenRow | undefined;
  /** Who is logged in on `exten` now. */
  holder: string | undefined;
  queues: QueueRow[];
  reason: string | null;
  /** The member interface the intent may touch. */
  interface: string | null;
  /** The PBX of each queue the intent may touch, as the intent records it (CONTRACT §9). */
  pbx: Record<string, string>;
}

export type ClaimAnswer =
  | { kind: 'noAgent' }
  | { kind: 'claimed'; claim: Claimed }
  | { kind: 'busy'; intent: number; expired: boolean; waitMs: number };

export interface IntentRow {
  id: number;
  agent: string;
  exten: string | null;
  action: IntentAction;
  source: Source;
  interface: string | null;
  queues: string[];
  /** The PBX of each of `queues`: where its actions went. */
  pbx: Record<string, string>;
  want: Record<string, unknown>;
  holder: string;
  deadline: Date;
}

/** Settling gives this much beyond the AMI timeouts, for the statements around them. */
const GRACE_MS = 1000;

export async function tryClaim(db: Knex, holder: string, timeoutMs: number, template: string, spec: ClaimSpec): Promise<ClaimAnswer> {
  return (await claimMany(db, holder, timeoutMs, [{ spec, template }]))[0] as ClaimAnswer;
}

/** One claim of `claimMany`: `template` is the member interface `{exten}` makes (`memberInterface`). */
export interface ClaimItem {
  spec: ClaimSpec;
  template: string;
}

/**
 * Claims for several agents in one statement (one `agentgate_claim` per spec, in the order given:
 * callers sort by agent, so two instances' statements take the agents' rows in the same order).
 */
export async function claimMany(db: Knex, holder: string, timeoutMs: number, items: ClaimItem[]): Promise<ClaimAnswer[]> {
  const rows = items.map(({ spec, template }, k) => ({
    k,
    template,
    agent: spec.agent,
    exten: spec.exten ?? null,
    action: spec.action,
    source: spec.source,
    ms: timeoutMs * Math.max(1, spec.actions) + GRACE_MS,
    queues: spec.queues ?? [],
    reason: spec.reason ?? null,
    want: spec.want ?? {},
  }));
  const { rows: out } = await db.raw(
    `select x.k, agentgate_claim(x.agent, x.exten, x.action, x.source, ?, x.ms, x.queues, x.reason, x.template, x.want) as c
       from jsonb_to_recordset(?::jsonb) as x(k int, template text, agent text, exten text, action text, source text, ms int, queues text[], reason text, want jsonb)`,
    [holder, JSON.stringify(rows)],
  ).options({ name: 'agentgate_claim' });
  const byK = new Map<number, unknown>((out as Array<{ k: number; c: unknown }>).map((r) => [Number(r.k), r.c]));
  return items.map(({ spec }, k) => claimAnswer(fromJson<Record<string, unknown>>(byK.get(k)), spec));
}

function claimAnswer(c: Record<string, unknown>, spec: ClaimSpec): ClaimAnswer {
  if (!c.agent) return { kind: 'noAgent' };
  if (c.claimed === null || c.claimed === undefined) {
    const busy = (c.busy ?? {}) as { id?: number; expired?: boolean; wait_ms?: number };
    return { kind: 'busy', intent: Number(busy.id ?? 0), expired: Boolean(busy.expired), waitMs: Number(busy.wait_ms ?? 0) };
  }
  const session = c.session as (Omit<SessionRow, 'agent' | 'since'> & { since: string }) | null;
  return {
    kind: 'claimed',
    claim: {
      id: Number(c.claimed),
      agent: c.agent as Claimed['agent'],
      session: session ? { ...session, agent: spec.agent, since: new Date(session.since) } : undefined,
      exten: (c.exten as ExtenRow | null) ?? undefined,
      holder: (c.holder as string | null) ?? undefined,
      queues: (c.queues as QueueRow[]) ?? [],
      reason: (c.reason as string | null) ?? null,
      interface: (c.interface as string | null) ?? null,
      pbx: (c.pbx as Record<string, string> | null) ?? {},
    },
  };
}

/** Nothing was applied (or what was applied was put back): the claim simply ends. */
export async function release(db: Knex, id: number, holder: string): Promise<void> {
  await db('intents').where({ id, holder }).delete();
}

/** The outcome is unknown: anyone may settle it from now on. */
export async function abandon(db: Knex, id: number, holder: string): Promise<void> {
  await db('intents').where({ id, holder }).update({ deadline: db.raw('clock_timestamp()') });
}

/** Takes over an intent whose deadline passed, for `ms` more; undefined when it is gone or someone else has it. */
export async function takeOver(db: Knex, id: number, holder: string, ms: number): Promise<IntentRow | undefined> {
  const { rows } = await db.raw(
    `update intents set holder = ?, deadline = clock_timestamp() + make_interval(secs => ?)
      where id = ? and deadline <= clock_timestamp() returning *`,
    [holder, (ms + GRACE_MS) / 1000, id],
  );
  return rows[0] as IntentRow | undefined;
}

/** Intents whose deadline passed; with `pbx`, those that may have acted on that PBX (or on none). */
export async function expiredIntents(db: Knex, pbx?: string): Promise<number[]> {
  const q = db('intents').select('id').where('deadline', '<=', db.raw('clock_timestamp()')).orderBy('id');
  if (pbx !== undefined) q.andWhere((w) => w.where('pbx', '=', db.raw(`'{}'::jsonb`)).orWhereRaw('exists (select 1 from jsonb_each_text(pbx) e where e.value = ?)', [pbx]));
  const rows = await q;
  return rows.map((r) => Number(r.id));
}

/** Milliseconds until the earliest deadline of an intent still running, if any. */
export async function nextDeadlineMs(db: Knex): Promise<number | undefined> {
  const { rows } = await db.raw('select extract(epoch from min(deadline) - clock_timestamp()) * 1000 as ms from intents');
  const ms = rows[0]?.ms;
  return ms === null || ms === undefined ? undefined : Math.max(0, Number(ms));
}

/**
 * For an Asterisk event: whose member this is, any intent on it, and its record for that queue. The
 * member is found by its own interface, or (a member across PBXs, CONTRACT §9) by its extension.
 */
export async function memberRecord(
  db: Knex,
  member: { interface: string } | { exten: string },
  queue: string,
): Promise<{ agent: string | undefined; intent: { id: number; expired: boolean } | undefined; queue: QueueState | undefined }> {
  // by extension: a logoff's or a pause's intent names no extension, only the session's interface
  const [session, intent, value] =
    'exten' in member ? ['s.exten = ?', '(i.interface = s.interface or i.exten = ?)', member.exten] : ['s.interface = ?', 'i.interface = ?', member.interface];
  const { rows } = await db.raw(
    `select coalesce(s.agent, i.agent) as agent, i.id as intent, i.deadline <= clock_timestamp() as expired,
            q.queue, q.paused, q.reason
       from (select 1) one
       left join agent_sessions s on ${session}
       left join intents i on ${intent}
       left join session_queues q on q.agent = s.agent and q.queue = ?
      limit 1`,
    [value, value, queue],
  );
  const r = rows[0] ?? {};
  return {
    agent: r.agent ?? undefined,
    intent: r.intent ? { id: Number(r.intent), expired: Boolean(r.expired) } : undefined,
    queue: r.queue ? { queue: r.queue, paused: r.paused, reason: r.reason } : undefined,
  };
}

/** A pause that starts waiting: for room under a floor, or for a supervisor's yes until `timeout_s` passes. */
export interface PendingAdd {
  kind: 'floor' | 'approval';
  reason: string | null;
  source: Source;
  actor: string;
  timeout_s?: number;
}

/** What a settle writes: the session's changes and one event per transition. */
export interface Change {
  /** A new session (login of a logged-off agent). */
  create?: { exten: string; interface: string; state_interface: string | null; member_name: string };
  add?: QueueState[];
  remove?: string[];
  pause?: QueueState[];
  /** The agent's derived state (available / paused / logged off) changed: `since` restarts. */
  since?: boolean;
  /**
   * The session's current pause is recorded as reported overdue (`overdue_for` = `since`): set with
   * its `pause_overdue` event, so the pause is reported once. Never with `since`.
   */
  overdue?: boolean;
  /**
   * The agent's waiting pause (CONTRACT §10, table `pending_pauses`), written with the events that
   * say so: `add` queues or requests one (one already waiting keeps its place); `drop` ends the one
   * waiting (of that kind, or any).
   */
  pending?: { add?: PendingAdd; drop?: 'floor' | 'approval' | 'any' };
  /** `actor`: who made it (CONTRACT §8); agentgate's own changes leave it out and are their source. */
  events: Array<{ exten: string | null; queue: string | null; kind: EventKind; reason?: string | null; source: Source; actor?: string; detail?: string }>;
}

/**
 * A change that takes away every queue of the session (`before`, as the claim read it: nothing
 * else writes the session meanwhile) ends the session. The settle deletes it then, and the lamp
 * goes dark: both ask this.
 */
export function endsSession(before: SessionRow | undefined, change: Change): boolean {
  const remove = change.remove ?? [];
  return remove.length > 0 && (before?.queues.length ?? 0) <= remove.length;
}

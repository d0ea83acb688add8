import type { Knex } from 'knex';
import type { Source } from './input.js';

/** One function per statement; every one takes the transaction it must run in. */
type Q = Knex | Knex.Transaction;

export interface AgentRow {
  login: string;
  name: string;
  pin_hash: string | null;
}
export interface QueueRow {
  name: string;
  number: string | null;
  callcenter: boolean;
}
export interface ExtenRow {
  exten: string;
  callcenter: boolean;
  interface: string | null;
  state_interface: string | null;
}
export interface SessionRow {
  agent: string;
  exten: string;
  interface: string;
  state_interface: string | null;
  member_name: string;
  paused: boolean;
  reason: string | null;
  since: Date;
  queues: string[];
}
export type EventKind = 'login' | 'logoff' | 'pause' | 'unpause';

/**
 * The agent's row, locked, with what the command needs that no lock protects (queue rows, the
 * configured name of a pause reason) in the same round trip. Live state is read afterwards by
 * `sessionsOf`: a statement that waited for a row lock still reads other tables as they were before
 * the wait, so only a statement that starts once the lock is held sees the winner's changes.
 */
export async function lockAgentFor(
  trx: Knex.Transaction,
  login: string,
  want: { queues?: string[]; reason?: string | null } = {},
): Promise<{ agent: AgentRow; queues: Array<QueueRow | undefined>; reason: string | null } | undefined> {
  const queues = want.queues ?? [];
  const reason = want.reason ?? null;
  const code = reason !== null && /^[0-9]{1,9}$/.test(reason) ? Number(reason) : null;
  const { rows } = await trx.raw(
    `select a.login, a.name, a.pin_hash,
            (select coalesce(json_agg(json_build_object('name', q.name, 'number', q.number, 'callcenter', q.callcenter)), '[]')
               from queues q where q.name = any(?) or q.number = any(?)) as queue_rows,
            (select r.name from pause_reasons r where lower(r.name) = lower(?) or r.code = ?
              order by lower(r.name) = lower(?) desc limit 1) as reason_name
       from agents a where a.login = ? for update of a`,
    [queues, queues, reason, code, reason, login],
  );
  const r = rows[0];
  if (!r) return undefined;
  const found = (typeof r.queue_rows === 'string' ? JSON.parse(r.queue_rows) : r.queue_rows) as QueueRow[];
  return {
    agent: { login: r.login, name: r.name, pin_hash: r.pin_hash },
    queues: queues.map((x) => found.find((q) => q.name === x) ?? found.find((q) => q.number === x)),
    reason: reason === null ? null : (r.reason_name ?? reason),
  };
}

/** After the locks: the agent's live session and, when `exten` is given, who holds that extension. */
export async function sessionsOf(
  trx: Knex.Transaction,
  agent: string,
  exten: string | null = null,
): Promise<{ session: SessionRow | undefined; holder: string | undefined }> {
  const { rows } = (await trx.raw(
    `select s.*, coalesce((select array_agg(q.queue order by q.queue) from session_queues q where q.agent = s.agent), '{}') as queues
       from agent_sessions s where s.agent = ? or s.exten = ?`,
    [agent, exten],
  )) as { rows: SessionRow[] };
  return { session: rows.find((r) => r.agent === agent), holder: rows.find((r) => r.exten === exten)?.agent };
}

export async function lockExten(trx: Knex.Transaction, exten: string): Promise<ExtenRow | undefined> {
  const { rows } = await trx.raw('select exten, callcenter, interface, state_interface from extensions where exten = ? for update', [exten]);
  return rows[0] as ExtenRow | undefined;
}


export function findAgent(q: Q, login: string): Promise<AgentRow | undefined> {
  return q<AgentRow>('agents').select('login', 'name', 'pin_hash').where({ login }).first();
}

/** Locks the agent's row: every state change of one agent runs one at a time, on any instance. */
export function lockAgent(trx: Knex.Transaction, login: string): Promise<AgentRow | undefined> {
  return trx<AgentRow>('agents').select('login', 'name', 'pin_hash').where({ login }).forUpdate().first();
}

/** A queue by name, else by its DTMF number (the phone dials numbers). */
export async function findQueue(q: Q, nameOrNumber: string): Promise<QueueRow | undefined> {
  const rows = await q<QueueRow>('queues')
    .select('name', 'number', 'callcenter')
    .where({ name: nameOrNumber })
    .orWhere({ number: nameOrNumber });
  return rows.find((r) => r.name === nameOrNumber) ?? rows[0];
}



export async function findSession(q: Q, agent: string): Promise<SessionRow | undefined> {
  const row = await q('agent_sessions as s')
    .select('s.*', q.raw("coalesce(array_agg(sq.queue order by sq.queue) filter (where sq.queue is not null), '{}') as queues"))
    .leftJoin('session_queues as sq', 'sq.agent', 's.agent')
    .where('s.agent', agent)
    .groupBy('s.agent')
    .first();
  return row as SessionRow | undefined;
}

export async function sessionOnExten(q: Q, exten: string): Promise<string | undefined> {
  const row = await q('agent_sessions').select('agent').where({ exten }).first();
  return row?.agent as string | undefined;
}


export function insertSessionQueues(trx: Knex.Transaction, agent: string, queues: string[]): Promise<unknown> {
  return trx('session_queues').insert(queues.map((queue) => ({ agent, queue })));
}

export function deleteSessionQueues(trx: Knex.Transaction, agent: string, queues: string[]): Promise<unknown> {
  return trx('session_queues').where({ agent }).whereIn('queue', queues).delete();
}

export function deleteSession(trx: Knex.Transaction, agent: string): Promise<unknown> {
  return trx('agent_sessions').where({ agent }).delete();
}

export function setPaused(trx: Knex.Transaction, agent: string, paused: boolean, reason: string | null): Promise<unknown> {
  return trx('agent_sessions').where({ agent }).update({ paused, reason: paused ? reason : null, since: trx.fn.now() });
}

export function insertEvents(
  trx: Knex.Transaction,
  rows: Array<{ agent: string; exten: string | null; queue: string | null; kind: EventKind; reason?: string | null; source: Source }>,
): Promise<unknown> {
  return rows.length ? trx('events').insert(rows.map((r) => ({ reason: null, ...r }))) : Promise.resolve();
}

export async function lastLogoff(q: Q, agent: string): Promise<Date | undefined> {
  const row = await q('events').max('at as at').where({ agent, kind: 'logoff' }).first();
  return (row?.at as Date | null) ?? undefined;
}


export async function findReasonByCode(q: Q, code: string): Promise<string | undefined> {
  if (!/^[0-9]{1,9}$/.test(code)) return undefined;
  const row = await q('pause_reasons').select('name').where({ code: Number(code) }).first();
  return row?.name as string | undefined;
}

export async function reasonCode(q: Q, name: string): Promise<number | undefined> {
  const row = await q('pause_reasons').select('code').whereRaw('lower(name) = lower(?)', [name]).first();
  return row?.code as number | undefined;
}

/** An agent with its default queues, in one round trip. */
export async function agentWithDefaults(q: Q, login: string): Promise<(AgentRow & { queues: string[] }) | undefined> {
  const { rows } = await q.raw(
    `select a.login, a.name, a.pin_hash,
            coalesce((select array_agg(d.queue order by d.queue) from agent_queues d where d.agent = a.login), '{}') as queues
       from agents a where a.login = ?`,
    [login],
  );
  return rows[0];
}

export async function allSessions(q: Q): Promise<SessionRow[]> {
  const rows = await q('agent_sessions as s')
    .select('s.*', q.raw("coalesce(array_agg(sq.queue order by sq.queue) filter (where sq.queue is not null), '{}') as queues"))
    .leftJoin('session_queues as sq', 'sq.agent', 's.agent')
    .groupBy('s.agent')
    .orderBy('s.agent');
  return rows as SessionRow[];
}

export async function agentOnInterface(q: Q, iface: string): Promise<string | undefined> {
  const row = await q('agent_sessions').select('agent').where({ interface: iface }).first();
  return row?.agent as string | undefined;
}

export async function queueExists(q: Q, name: string): Promise<boolean> {
  return Boolean(await q('queues').select('name').where({ name }).first());
}

/** A login's writes in one statement: the session (when new), its queues, one event per queue. */
export async function recordLogin(
  trx: Knex.Transaction,
  r: { agent: string; exten: string; interface: string; state_interface: string | null; member_name: string; queues: string[]; newSession: boolean; source: Source },
): Promise<void> {
  await trx.raw(
    `with s as (
       insert into agent_sessions (agent, exten, interface, state_interface, member_name)
       select ?, ?, ?, ?, ? where ?
     ), q as (
       insert into session_queues (agent, queue) select ?, unnest(?::text[])
     )
     insert into events (agent, exten, queue, kind, source) select ?, ?, unnest(?::text[]), 'login', ?`,
    [r.agent, r.exten, r.interface, r.state_interface, r.member_name, r.newSession, r.agent, r.queues, r.agent, r.exten, r.queues, r.source],
  );
}

/** A logoff's writes in one statement: the session goes (its queues with it), one event per queue. */
export async function recordLogoff(trx: Knex.Transaction, r: { agent: string; exten: string; queues: string[]; source: Source }): Promise<void> {
  await trx.raw(
    `with d as (delete from agent_sessions where agent = ?)
     insert into events (agent, exten, queue, kind, source) select ?, ?, unnest(?::text[]), 'logoff', ?`,
    [r.agent, r.agent, r.exten, r.queues, r.source],
  );
}

/** A pause or unpause in one statement: the state and its event. */
export async function recordPause(
  trx: Knex.Transaction,
  r: { agent: string; exten: string; paused: boolean; reason: string | null; source: Source },
): Promise<void> {
  await trx.raw(
    `with u as (update agent_sessions set paused = ?, reason = ?, since = now() where agent = ?)
     insert into events (agent, exten, kind, reason, source) values (?, ?, ?, ?, ?)`,
    [r.paused, r.paused ? r.reason : null, r.agent, r.agent, r.exten, r.paused ? 'pause' : 'unpause', r.reason, r.source],
  );
}

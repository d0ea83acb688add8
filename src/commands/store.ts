import type { Knex } from 'knex';
import { DEFAULT_PBX } from '../provision/pbxes.js';
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
/** One queue of a session, with Asterisk's per-queue pause state. */
export interface QueueState {
  queue: string;
  paused: boolean;
  reason: string | null;
  /** Who started this queue's pause (CONTRACT §8); written with a pause, null otherwise. */
  actor?: string | null;
}
export interface SessionRow {
  agent: string;
  exten: string;
  interface: string;
  state_interface: string | null;
  member_name: string;
  since: Date;
  /** The PBX of the session's extension (CONTRACT §9), as `findSession` reads it (a claim's copy of the session leaves it out). */
  pbx?: string | null;
  queues: QueueState[];
}
export type EventKind =
  | 'login'
  | 'logoff'
  | 'pause'
  | 'unpause'
  | 'reverted'
  | 'pause_overdue'
  // CONTRACT §10: a pause queued under a queue's floor, and ended before it began; a reason that needs a yes
  | 'pause_queued'
  | 'pause_cancelled'
  | 'pause_requested'
  | 'pause_approved'
  | 'pause_denied';

export function findAgent(q: Q, login: string): Promise<AgentRow | undefined> {
  return q<AgentRow>('agents').select('login', 'name', 'pin_hash').where({ login }).first();
}

/** A queue by name, else by its DTMF number (the phone dials numbers). */
export async function findQueue(q: Q, nameOrNumber: string): Promise<QueueRow | undefined> {
  const rows = await q<QueueRow>('queues')
    .select('name', 'number', 'callcenter')
    .where({ name: nameOrNumber })
    .orWhere({ number: nameOrNumber });
  return rows.find((r) => r.name === nameOrNumber) ?? rows[0];
}

const SESSION_SELECT = `select s.agent, s.exten, s.interface, s.state_interface, s.member_name, s.since,
        (select e.pbx from extensions e where e.exten = s.exten) as pbx,
        coalesce((select json_agg(json_build_object('queue', q.queue, 'paused', q.paused, 'reason', q.reason, 'actor', q.paused_by) order by q.queue)
                    from session_queues q where q.agent = s.agent), '[]') as queues
   from agent_sessions s`;

function sessionRow(r: Record<string, unknown>): SessionRow {
  return { ...(r as unknown as SessionRow), queues: typeof r.queues === 'string' ? JSON.parse(r.queues) : (r.queues as QueueState[]) };
}

export async function findSession(q: Q, agent: string): Promise<SessionRow | undefined> {
  const { rows } = await q.raw(`${SESSION_SELECT} where s.agent = ?`, [agent]);
  return rows[0] ? sessionRow(rows[0]) : undefined;
}

/** Every session; with `pbx`, those with a queue on that PBX (a queue no longer provisioned is `default`'s, as its actions are). */
export async function allSessions(q: Q, pbx?: string): Promise<SessionRow[]> {
  const on = `where exists (select 1 from session_queues sq left join queues qq on qq.name = sq.queue where sq.agent = s.agent and coalesce(qq.pbx, '${DEFAULT_PBX}') = ?)`;
  const { rows } = await q.raw(`${SESSION_SELECT} ${pbx === undefined ? '' : on} order by s.agent`, pbx === undefined ? [] : [pbx]);
  return (rows as Array<Record<string, unknown>>).map(sessionRow);
}

export async function sessionOnExten(q: Q, exten: string): Promise<string | undefined> {
  const row = await q('agent_sessions').select('agent').where({ exten }).first();
  return row?.agent as string | undefined;
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

/** An agent with its default queues and its prompt language, in one round trip. */
export async function agentWithDefaults(q: Q, login: string): Promise<(AgentRow & { queues: string[]; language: string | null }) | undefined> {
  const { rows } = await q.raw(
    `select a.login, a.name, a.pin_hash, a.language,
            coalesce((select array_agg(d.queue order by d.queue) from agent_queues d where d.agent = a.login), '{}') as queues
       from agents a where a.login = ?`,
    [login],
  );
  return rows[0];
}

export async function queueExists(q: Q, name: string): Promise<boolean> {
  return Boolean(await q('queues').select('name').where({ name }).first());
}


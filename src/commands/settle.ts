import type { Knex } from 'knex';
import { type Change, endsSession } from './intents.js';
import type { SessionRow } from './store.js';

/** One settle of `settleMany`: the intent, its holder, the change, and the session the claim read. */
export interface SettleItem {
  id: number;
  holder: string;
  change: Change;
  own: boolean;
  before: SessionRow | undefined;
}

/**
 * The one writer of the record: the changes, their events and the end of the intent, in one
 * statement that applies only while the intent is still `holder`'s. False when it was not (another
 * instance took it over after its deadline): nothing was written. `own` marks the events with the
 * intent, so a settle whose answer was lost can be recognised (`settledBefore`).
 *
 * Every event is written here, under its agent's claim, so one agent's events commit in id order:
 * the agent's next claim can only be inserted once this statement has committed (the unique index
 * on `intents.agent` makes it wait), and its settle takes its ids after that (the events sequence
 * hands them out one at a time: no CACHE). The webhook outbox relies on it (`takeDue`).
 */
export async function settle(db: Knex, id: number, holder: string, change: Change, own: boolean, before: SessionRow | undefined): Promise<boolean> {
  return (await settleMany(db, [{ id, holder, change, own, before }]))[0] as boolean;
}

/**
 * `settle` for several intents (of different agents: an agent has one intent at a time) in one
 * statement, so one commit carries them all; each applies only while it is still its holder's.
 * The events of each settle take their ids in their order.
 */
export async function settleMany(db: Knex, items: SettleItem[]): Promise<boolean[]> {
  const rows = items.map(({ id, holder, change, own, before }) => ({
    id,
    holder,
    own,
    ends: endsSession(before, change),
    creates: change.create !== undefined,
    create: change.create ?? {},
    add: change.add ?? [],
    pause: change.pause ?? [],
    remove: change.remove ?? [],
    since: Boolean(change.since),
    overdue: Boolean(change.overdue),
    add_pending: change.pending?.add ?? null,
    drop_pending: change.pending?.drop ?? null,
    events: change.events.map((e) => ({ reason: null, detail: null, ...e })),
  }));
  const { rows: out } = await db.raw(
    `with x as (select * from jsonb_to_recordset(?::jsonb) as x(id bigint, holder text, own boolean, ends boolean, creates boolean, "create" jsonb,
                                                                add jsonb, pause jsonb, remove text[], since boolean, overdue boolean,
                                                                add_pending jsonb, drop_pending text, events jsonb)),
     i as (delete from intents t using x where t.id = x.id and t.holder = x.holder returning t.id, t.agent),
     ix as (select x.*, i.agent from i join x on x.id = i.id),
     ns as (insert into agent_sessions (agent, exten, interface, state_interface, member_name)
            select ix.agent, c.exten, c.interface, c.state_interface, c.member_name
              from ix, jsonb_to_record(ix."create") as c(exten text, interface text, state_interface text, member_name text)
             where ix.creates),
     aq as (insert into session_queues (agent, queue, paused, reason, paused_by)
            select ix.agent, a.queue, a.paused, a.reason,
                   -- a queue joined while paused everywhere: the pause it joins is the one already running
                   case when a.paused then coalesce(a.actor, (select p.paused_by from session_queues p where p.agent = ix.agent and p.paused limit 1)) end
              from ix, jsonb_to_recordset(ix.add) as a(queue text, paused boolean, reason text, actor text)),
     pq as (update session_queues q set paused = p.paused, reason = p.reason, paused_by = case when p.paused then p.actor end
              from ix, jsonb_to_recordset(ix.pause) as p(queue text, paused boolean, reason text, actor text)
             where q.agent = ix.agent and q.queue = p.queue),
     rq as (delete from session_queues q using ix where q.agent = ix.agent and q.queue = any(ix.remove) and not ix.ends),
     ds as (delete from agent_sessions s using ix where s.agent = ix.agent and ix.ends),
     us as (update agent_sessions s set since = case when ix.since then now() else s.since end,
                                        overdue_for = case when ix.overdue then s.since else s.overdue_for end
              from ix where s.agent = ix.agent and (ix.since or ix.overdue) and not ix.ends),
     dp as (delete from pending_pauses p using ix where p.agent = ix.agent and (ix.drop_pending = 'any' or p.kind = ix.drop_pending)),
     ap as (insert into pending_pauses (agent, kind, reason, source, actor, expires_at)
            select ix.agent, w.kind, w.reason, w.source, w.actor,
                   case when w.timeout_s is not null then clock_timestamp() + make_interval(secs => w.timeout_s) end
              from ix, jsonb_to_record(ix.add_pending) as w(kind text, reason text, source text, actor text, timeout_s integer)
             where ix.add_pending is not null
            on conflict (agent) do nothing),
     ev as (insert into events (agent, exten, queue, kind, reason, source, actor, intent, detail)
            select ix.agent, e.exten, e.queue, e.kind, e.reason, e.source, coalesce(e.actor, e.source), case when ix.own then ix.id end, e.detail
              from ix, jsonb_array_elements(ix.events) with ordinality as j(v, n),
                   jsonb_to_record(j.v) as e(exten text, queue text, kind text, reason text, source text, actor text, detail text)
             order by ix.id, j.n)
     select id from i`,
    [JSON.stringify(rows)],
  ).options({ name: 'agentgate_settle' });
  const applied = new Set((out as Array<{ id: string | number }>).map((r) => Number(r.id)));
  return items.map((item) => applied.has(item.id));
}

/** After a settle whose answer never came: did it commit? */
export async function settledBefore(db: Knex, id: number): Promise<boolean> {
  const row = await db('events').select('id').where({ intent: id }).first();
  return row !== undefined;
}

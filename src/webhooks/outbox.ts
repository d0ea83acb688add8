import type { Knex } from 'knex';
import { CLOCK_NOW } from '../clock.js';
import { displayUrl } from './url.js';
import { isoSql } from '../db/iso.js';

/**
 * The outbox's statements (table `webhook_deliveries`, filled by a trigger on `events`). Each is one
 * statement on its own: no transaction or connection is held while a delivery is posted. Time is
 * the database's plus the worker's clock offset (`src/clock.ts`), so every instance reads one clock.
 */

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** A delivery taken by a worker: what it must post, and where. */
export interface Taken {
  id: number;
  webhook: number;
  url: string;
  secret: string;
  attempts: number;
  idempotency_key: string;
  event: number;
  agent: string;
  queues: string[];
  /** Null only if the event row is gone (the record is append-only: it should never be). */
  kind: string | null;
  at: string;
  exten: string | null;
  queue: string | null;
  /** Where it happened (CONTRACT §9); null on events recorded before PBXs were. */
  pbx: string | null;
  reason: string | null;
  source: string;
  /** Who made it (CONTRACT §8). */
  actor: string;
}

const NOW = `now as (select ${CLOCK_NOW} as t)`;

/**
 * Takes up to `limit` deliveries that are due, each the earliest still pending of its agent for its
 * webhook (so one agent's events go out in order, one at a time), under a lease of `leaseMs`. Rows
 * another worker is taking at this moment are skipped, not waited for.
 *
 * "Earliest" is among committed rows. That is enough because one agent's events commit in id order:
 * they are all written by `settle` under the agent's claim, and the next claim on the agent waits
 * for that statement's commit (see `settle`). So no earlier event of an agent can appear after a
 * later one was seen, and no fence is needed here. The live feed needs one (`src/live/feed.ts`)
 * because it orders every agent's events together, which commit in any order; a fence here would
 * hold every delivery behind the oldest transaction still writing anywhere on the server.
 */
export async function takeDue(db: Knex, holder: string, limit: number, leaseMs: number, offsetMs: number): Promise<Taken[]> {
  const { rows } = await db.raw(
    `with ${NOW},
     due as (
       select d.id, d.webhook, d.event from webhook_deliveries d, now
        where d.status = 'pending' and d.next_at <= now.t and (d.lease_until is null or d.lease_until <= now.t)
          and not exists (select 1 from webhook_deliveries p
                           where p.webhook = d.webhook and p.agent = d.agent and p.status = 'pending' and p.event < d.event)
        order by d.next_at, d.id
        limit ?
        for update of d skip locked)
     update webhook_deliveries d
        set holder = ?, lease_until = now.t + make_interval(secs => ?), attempts = d.attempts + 1, tried_at = now.t
       from due cross join now join webhooks w on w.id = due.webhook left join events e on e.id = due.event
      where d.id = due.id
     returning d.id, d.webhook, w.url, w.secret, d.attempts, d.idempotency_key::text as idempotency_key, d.event, d.agent, d.queues,
               e.kind, ${isoSql('e.at')} as at, e.exten, e.queue, e.pbx, e.reason, e.source, e.actor`,
    [offsetMs, limit, holder, leaseMs / 1000],
  );
  return (rows as Taken[]).sort((a, b) => a.id - b.id);
}

/** Once a delivery is over, the next of its agent for that webhook is due at once (it may have been pushed back). */
const NEXT_DUE = `next as (update webhook_deliveries n set next_at = now.t from now, over
   where n.id = (select p.id from webhook_deliveries p
                  where p.webhook = over.webhook and p.agent = over.agent and p.status = 'pending' and p.event > over.event
                  order by p.event limit 1)
     and n.next_at > now.t)`;

/** The receiver took it. Returns the seconds from the event to now, or undefined when the lease was no longer ours. */
export async function markDelivered(db: Knex, id: number, holder: string, httpStatus: number, offsetMs: number): Promise<number | undefined> {
  const { rows } = await db.raw(
    `with ${NOW},
     over as (update webhook_deliveries d
                 set status = 'delivered', finished_at = now.t, last_status = ?, last_error = null, holder = null, lease_until = null
                from now where d.id = ? and d.holder = ? and d.status = 'pending'
              returning d.webhook, d.agent, d.event, extract(epoch from now.t - d.created_at)::float8 as seconds),
     ${NEXT_DUE}
     select seconds from over`,
    [offsetMs, httpStatus, id, holder],
  );
  return rows[0] ? Number(rows[0].seconds) : undefined;
}

/**
 * The attempt failed: tried again after `retryMs`, or given up (`failed`) once `giveUpMs` have
 * passed since the event. The agent's later deliveries to that webhook wait as long (they may not
 * overtake it); once it is given up, the next of them is due at once.
 */
export async function markFailed(
  db: Knex,
  id: number,
  holder: string,
  why: { httpStatus: number | null; error: string },
  retryMs: number,
  giveUpMs: number,
  offsetMs: number,
): Promise<{ status: DeliveryStatus; nextAt: Date } | undefined> {
  const { rows } = await db.raw(
    `with ${NOW},
     f as (update webhook_deliveries d
              set status = case when d.created_at + make_interval(secs => ?) <= now.t then 'failed' else 'pending' end,
                  finished_at = case when d.created_at + make_interval(secs => ?) <= now.t then now.t end,
                  next_at = now.t + make_interval(secs => ?),
                  last_status = ?, last_error = ?, holder = null, lease_until = null
             from now where d.id = ? and d.holder = ? and d.status = 'pending'
           returning d.webhook, d.agent, d.event, d.status, d.next_at),
     over as (select * from f where status = 'failed'),
     ${NEXT_DUE},
     later as (update webhook_deliveries n set next_at = f.next_at from f
                where f.status = 'pending' and n.webhook = f.webhook and n.agent = f.agent and n.status = 'pending'
                  and n.event > f.event and n.next_at < f.next_at)
     select status, next_at from f`,
    [offsetMs, giveUpMs / 1000, giveUpMs / 1000, retryMs / 1000, why.httpStatus, why.error.slice(0, 500), id, holder],
  );
  const r = rows[0] as { status: DeliveryStatus; next_at: Date } | undefined;
  return r ? { status: r.status, nextAt: new Date(r.next_at) } : undefined;
}

/** Gives a taken delivery back untried (shutdown): due again at once, for any worker. */
export async function giveBack(db: Knex, id: number, holder: string): Promise<void> {
  await db('webhook_deliveries').where({ id, holder, status: 'pending' }).update({ holder: null, lease_until: null });
}

/** Forgets finished deliveries: delivered ones after `deliveredMs`, failed ones after `failedMs`. */
export async function forgetFinished(db: Knex, deliveredMs: number, failedMs: number, offsetMs: number): Promise<number> {
  const { rows } = await db.raw(
    `with ${NOW},
     old as (select d.id from webhook_deliveries d, now
              where (d.status = 'delivered' and d.finished_at < now.t - make_interval(secs => ?))
                 or (d.status = 'failed' and d.finished_at < now.t - make_interval(secs => ?))
              limit 10000),
     gone as (delete from webhook_deliveries d using old where d.id = old.id returning 1)
     select count(*)::int as n from gone`,
    [offsetMs, deliveredMs / 1000, failedMs / 1000],
  );
  return Number(rows[0]?.n ?? 0);
}

/** How many deliveries are in each status, and the age of the oldest pending (metrics). */
export async function outboxFigures(db: Knex): Promise<{ byStatus: Record<DeliveryStatus, number>; oldestPendingS: number }> {
  const { rows } = await db.raw(
    `select status, count(*)::int as n, extract(epoch from clock_timestamp() - min(created_at))::float8 as oldest
       from webhook_deliveries group by status`,
  );
  const byStatus = { pending: 0, delivered: 0, failed: 0 };
  let oldestPendingS = 0;
  for (const r of rows as Array<{ status: DeliveryStatus; n: number; oldest: number }>) {
    byStatus[r.status] = r.n;
    if (r.status === 'pending') oldestPendingS = Math.max(0, Number(r.oldest));
  }
  return { byStatus, oldestPendingS };
}

export interface DeliveryView {
  id: number;
  webhook: string;
  event_id: number;
  kind: string | null;
  agent: string;
  idempotency_key: string;
  status: DeliveryStatus;
  attempts: number;
  created_at: string;
  tried_at: string | null;
  next_at: string | null;
  finished_at: string | null;
  last_status: number | null;
  last_error: string | null;
}


/** Newest first; `before` pages on (ids below it). Never the secret. */
export async function listDeliveries(
  db: Knex,
  filter: { status?: DeliveryStatus | undefined; limit: number; before?: number | undefined },
): Promise<DeliveryView[]> {
  const { rows } = await db.raw(
    `select d.id, w.url as webhook, d.event as event_id, e.kind, d.agent, d.idempotency_key::text as idempotency_key, d.status, d.attempts,
            ${isoSql('d.created_at')} as created_at, ${isoSql('d.tried_at')} as tried_at,
            case when d.status = 'pending' then ${isoSql('d.next_at')} end as next_at, ${isoSql('d.finished_at')} as finished_at,
            d.last_status, d.last_error
       from webhook_deliveries d join webhooks w on w.id = d.webhook left join events e on e.id = d.event
      where (?::text is null or d.status = ?) and (?::bigint is null or d.id < ?)
      order by d.id desc limit ?`,
    [filter.status ?? null, filter.status ?? null, filter.before ?? null, filter.before ?? null, filter.limit],
  );
  return (rows as DeliveryView[]).map((r) => ({ ...r, webhook: displayUrl(r.webhook) }));
}

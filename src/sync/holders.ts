import type { Knex } from 'knex';

/**
 * The statements of the `holders` table (see sql/013_holders.sql), one function each. They run on
 * the connection that holds the process's presence lock: the lock is the session's, so it must
 * not be taken on a pooled connection that another query might get next.
 */
export type Run = (sql: string, bindings: readonly Knex.RawBinding[]) => Promise<Array<Record<string, unknown>>>;

/** The first key of every presence lock; the second is hashtext(holder). */
export const PRESENCE_LOCKS = 7_346_013;

/** What was freed of holders found gone: their intents are due now and their lease is free. */
export interface Takeover {
  holders: string[];
  intents: number;
  lease: boolean;
}

/** False when another session holds that key (a hash shared with a live holder): the deadlines still apply. */
export async function lockPresence(run: Run, holder: string): Promise<boolean> {
  const rows = await run('select pg_try_advisory_lock(?, hashtext(?)) as ok', [PRESENCE_LOCKS, holder]);
  return rows[0]?.ok === true;
}

export async function beat(run: Run, holder: string): Promise<void> {
  await run('insert into holders (holder) values (?) on conflict (holder) do update set seen = clock_timestamp()', [holder]);
}

/**
 * Holders other than `self` that missed their beats for `graceS` and whose lock no session holds.
 * The grace covers a live process whose presence connection was cut (a terminated backend, a
 * Postgres restart) while it connects again; the lock covers a live process too busy to beat.
 */
export function reapGone(run: Run, self: string, graceS: number): Promise<Takeover> {
  return takeOver(
    run,
    `delete from holders h
      where h.holder <> ? and h.seen < clock_timestamp() - make_interval(secs => ?)
        and not exists (select 1 from pg_locks l
                         where l.locktype = 'advisory' and l.granted and l.objsubid = 2
                           and l.database = (select oid from pg_database where datname = current_database())
                           and l.classid = ?::oid and l.objid = hashtext(h.holder)::oid)
      returning h.holder`,
    [self, graceS, PRESENCE_LOCKS],
  );
}

/** A process that stops frees what it still holds, as a dead one's would be. */
export function leave(run: Run, holder: string): Promise<Takeover> {
  return takeOver(run, 'delete from holders where holder = ? returning holder', [holder]);
}

async function takeOver(run: Run, gone: string, bindings: readonly Knex.RawBinding[]): Promise<Takeover> {
  const rows = await run(
    `with gone as (${gone}),
     due as (update intents i set deadline = clock_timestamp() from gone
              where i.holder = gone.holder and i.deadline > clock_timestamp() returning i.id),
     freed as (update resync_lease r set holder = null, until = '-infinity' from gone where r.holder = gone.holder returning r.id)
     select coalesce((select array_agg(holder) from gone), '{}') as holders,
            (select count(*) from due)::int as intents, (select count(*) from freed)::int as lease`,
    bindings,
  );
  const r = rows[0] ?? {};
  return { holders: (r.holders as string[]) ?? [], intents: Number(r.intents ?? 0), lease: Number(r.lease ?? 0) > 0 };
}

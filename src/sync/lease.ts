import type { Knex } from 'knex';

/**
 * A short lease in a row rather than a session advisory lock (which leaks through a pool, and which
 * PGlite's single connection cannot hold while other work runs): one holder at a time; a holder
 * that dies loses it when it expires.
 */
export async function takeLease(db: Knex, holder: string, seconds: number): Promise<boolean> {
  const rows = await db('resync_lease')
    .where({ id: 1 })
    .andWhere((b) => b.where('until', '<', db.fn.now()).orWhere({ holder }))
    .update({ holder, until: db.raw(`now() + make_interval(secs => ?)`, [seconds]) }, ['id']);
  return rows.length === 1;
}

export async function releaseLease(db: Knex, holder: string): Promise<void> {
  await db('resync_lease').where({ id: 1, holder }).update({ holder: null, until: db.raw("'-infinity'") });
}

import type { Knex } from 'knex';
import { DEFAULT_PBX } from '../provision/pbxes.js';

/**
 * A short lease in a row rather than a session advisory lock (which leaks through a pool, and which
 * PGlite's single connection cannot hold while other work runs): one holder at a time per PBX (a
 * row each, made when first asked for); a holder that dies loses it when it expires.
 */
export async function takeLease(db: Knex, holder: string, seconds: number, pbx: string = DEFAULT_PBX): Promise<boolean> {
  const take = () =>
    db('resync_lease')
      .where({ pbx })
      .andWhere((b) => b.where('until', '<', db.fn.now()).orWhere({ holder }))
      .update({ holder, until: db.raw(`now() + make_interval(secs => ?)`, [seconds]) }, ['id']);
  const rows = await take();
  if (rows.length === 1) return true;
  const made = await db('resync_lease').insert({ pbx }).onConflict('pbx').ignore().returning('id');
  return made.length === 1 ? (await take()).length === 1 : false;
}

export async function releaseLease(db: Knex, holder: string, pbx: string = DEFAULT_PBX): Promise<void> {
  await db('resync_lease').where({ pbx, holder }).update({ holder: null, until: db.raw("'-infinity'") });
}

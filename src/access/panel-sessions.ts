import type { Knex } from 'knex';
import { digestHex, newSecret } from './keys.js';

/** How long a panel sign-in lasts: idle, and in all (PANEL_IDLE_TIMEOUT_S, PANEL_SESSION_MAX_S). */
export interface PanelLimits {
  idleS: number;
  maxS: number;
}

/** Signs an agent in: the cookie's text is returned, its hash stored. */
export async function createPanelSession(db: Knex, agent: string): Promise<string> {
  const secret = newSecret('');
  await db('panel_sessions').insert({ hash: digestHex(secret), agent });
  return secret;
}

export type PanelLookup = { agent: string; seenAgoS: number } | 'expired' | undefined;

/**
 * The session a cookie names: its agent while within both limits; `expired` (and deleted) once
 * past either; undefined when there is none (signed out, or never was).
 */
export async function findPanelSession(db: Knex, hash: string, limits: PanelLimits): Promise<PanelLookup> {
  const row = await db('panel_sessions')
    .where({ hash })
    .first(
      'agent',
      db.raw('extract(epoch from now() - seen_at)::float8 as idle_s'),
      db.raw('extract(epoch from now() - created_at)::float8 as age_s'),
    );
  if (!row) return undefined;
  if (Number(row.idle_s) > limits.idleS || Number(row.age_s) > limits.maxS) {
    await db('panel_sessions').where({ hash }).delete();
    return 'expired';
  }
  return { agent: row.agent, seenAgoS: Number(row.idle_s) };
}

/** The session was used now: the idle timeout starts again. */
export async function touchPanelSession(db: Knex, hash: string): Promise<void> {
  await db('panel_sessions').where({ hash }).update({ seen_at: db.fn.now() });
}

export async function endPanelSession(db: Knex, hash: string): Promise<void> {
  await db('panel_sessions').where({ hash }).delete();
}

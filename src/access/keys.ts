import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { type KeyRow, ROLES, type Role } from './roles.js';

/** What is kept of a key or a session id: its SHA-256, hex. The text itself is never stored. */
export const digestHex = (text: string) => createHash('sha256').update(text).digest('hex');

/** A new key's text: 32 random bytes, so a plain hash is as good as a slow one. */
export const newSecret = (prefix: string) => `${prefix}${randomBytes(32).toString('base64url')}`;

export interface NewKey {
  name: string;
  role: Role;
  agent?: string | undefined;
  queues?: string[] | undefined;
  expiresDays?: number | undefined;
  showCallers?: boolean | undefined;
}

export class KeyError extends Error {}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Checks a new key's parts against the roles' rules (CONTRACT §8) and the record, then stores its
 * hash. Returns the key's text: shown once, by the caller, and never again.
 */
export async function createKey(db: Knex, k: NewKey): Promise<string> {
  if (!NAME.test(k.name)) throw new KeyError(`--name "${k.name}": use 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  if (!(ROLES as readonly string[]).includes(k.role)) throw new KeyError(`--role "${k.role}": must be one of ${ROLES.join(', ')}`);
  if (k.role === 'agent' && !k.agent) throw new KeyError('--agent is required for an agent key: the one agent it acts for');
  if (k.role !== 'agent' && k.agent) throw new KeyError(`--agent is only for agent keys (this one is ${k.role})`);
  if (k.role !== 'supervisor' && k.queues?.length) throw new KeyError(`--queues is only for supervisor keys (this one is ${k.role})`);
  if (k.role !== 'display' && k.showCallers) throw new KeyError(`--show-callers is only for display keys (${k.role} keys ${k.role === 'agent' ? 'see no lists' : 'always see callers'})`);
  if (k.expiresDays !== undefined && !(Number.isInteger(k.expiresDays) && k.expiresDays >= 1 && k.expiresDays <= 3650)) {
    throw new KeyError('--expires-days: a whole number of days from 1 to 3650');
  }
  if (k.agent && !(await db('agents').where({ login: k.agent }).first('login'))) throw new KeyError(`--agent ${k.agent}: no such agent (provision it first)`);
  const queues = k.queues ?? [];
  if (queues.length) {
    const known = new Set((await db('queues').whereIn('name', queues).select('name')).map((r) => r.name as string));
    const unknown = queues.filter((q) => !known.has(q));
    if (unknown.length) throw new KeyError(`--queues: no such queue: ${unknown.join(', ')}`);
  }
  const secret = newSecret('agk_');
  const inserted = await db('api_keys')
    .insert({
      name: k.name,
      role: k.role,
      agent: k.agent ?? null,
      queues,
      show_callers: Boolean(k.showCallers),
      hash: digestHex(secret),
      expires_at: k.expiresDays === undefined ? null : db.raw("now() + make_interval(days => ?)", [k.expiresDays]),
    })
    .onConflict('name')
    .ignore()
    .returning('name');
  if (inserted.length === 0) throw new KeyError(`a key named "${k.name}" exists already (a revoked key keeps its name, so the record stays unambiguous)`);
  return secret;
}

export interface KeyListing {
  name: string;
  role: Role;
  scope: string;
  created: string;
  expires: string | null;
  last_used: string | null;
  revoked: string | null;
}

export async function listKeys(db: Knex): Promise<KeyListing[]> {
  const rows = await db('api_keys').select('*').orderBy('name');
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  return rows.map((r) => ({
    name: r.name,
    role: r.role,
    scope: r.role === 'agent' ? `agent ${r.agent}` : r.role === 'supervisor' ? (r.queues.length ? `queues ${r.queues.join(',')}` : 'every queue') : r.role === 'display' ? (r.show_callers ? 'callers shown' : 'callers hidden') : 'everything',
    created: iso(r.created_at) as string,
    expires: iso(r.expires_at),
    last_used: iso(r.last_used_at),
    revoked: iso(r.revoked_at),
  }));
}

/** Ends a key now; false when there is no such key or it was revoked already. */
export async function revokeKey(db: Knex, name: string): Promise<boolean> {
  const n = await db('api_keys').where({ name }).whereNull('revoked_at').update({ revoked_at: db.fn.now() });
  return n === 1;
}

/** The key a hash names, valid now (not revoked, not expired); undefined otherwise. */
export async function findKey(db: Knex, hash: string): Promise<KeyRow | undefined> {
  const row = await db('api_keys')
    .where({ hash })
    .whereNull('revoked_at')
    .andWhere((b) => b.whereNull('expires_at').orWhere('expires_at', '>', db.fn.now()))
    .first('name', 'role', 'agent', 'queues', 'show_callers', 'expires_at', 'revoked_at');
  return row as KeyRow | undefined;
}

/** Records when keys were last used: one statement for a batch (never a write per request). */
export async function touchKeys(db: Knex, used: Map<string, Date>): Promise<void> {
  if (used.size === 0) return;
  const names = [...used.keys()];
  const ats = names.map((n) => (used.get(n) as Date).toISOString());
  await db.raw(
    `update api_keys k set last_used_at = greatest(coalesce(k.last_used_at, '-infinity'), u.at)
       from unnest(?::text[], ?::timestamptz[]) as u(name, at) where k.name = u.name`,
    [names, ats],
  );
}

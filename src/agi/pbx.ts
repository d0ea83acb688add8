import { BlockList, isIPv4 } from 'node:net';
import type { Knex } from 'knex';
import { parseAllowList } from '../config.js';

/** The PBXs' `agi_from` lists, read again at most this often (provisioning may change them). */
const KEEP_MS = 5_000;

interface Known {
  at: number;
  pbxes: Array<{ name: string; from: BlockList }>;
}
const known = new WeakMap<Knex, Known>();

/**
 * Which PBX a FastAGI session is from (CONTRACT §9), by the address it connected from:
 * - undefined: one PBX, or none provisioned (`pbxes:` absent) — every extension is its;
 * - the name of the PBX whose `agi_from` holds the address;
 * - null: several PBXs, and no `agi_from` holds it — the session acts for no extension.
 */
export async function pbxOfPeer(db: Knex, peer: string | undefined): Promise<string | null | undefined> {
  let k = known.get(db);
  if (!k || performance.now() - k.at > KEEP_MS) {
    const rows: Array<{ name: string; agi_from: string[] | string | null }> = await db('pbxes').select('name', 'agi_from').orderBy('name');
    k = { at: performance.now(), pbxes: rows.map((r) => ({ name: r.name, from: parseAllowList(list(r.agi_from).join(',')) })) };
    known.set(db, k);
  }
  if (k.pbxes.length <= 1) return undefined;
  if (peer === undefined) return null;
  return k.pbxes.find((p) => p.from.check(peer, isIPv4(peer) ? 'ipv4' : 'ipv6'))?.name ?? null;
}

/** A text[] as the driver gives it: an array (pg), or its literal (`{a,b}`) from another driver. */
function list(v: string[] | string | null): string[] {
  if (Array.isArray(v)) return v;
  if (!v) return [];
  return v.replace(/^\{|\}$/g, '').split(',').filter(Boolean).map((s) => s.replace(/^"|"$/g, ''));
}

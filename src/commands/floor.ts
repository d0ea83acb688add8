import type { Knex } from 'knex';
import type { PendingPause } from './outcomes.js';
import { isoSql } from '../db/iso.js';

/**
 * The statements of a queue's floor and of the pauses that wait (CONTRACT §10, docs/pauses.md).
 * The floor is decided in Postgres (`agentgate_floor`, migration 017), under the agent's claim and
 * the queues' row locks, so two instances racing for a queue's last slot get exactly one pause.
 */

export type PendingKind = 'floor' | 'approval';

export interface PendingRow {
  agent: string;
  kind: PendingKind;
  reason: string | null;
  source: string;
  actor: string;
  since: Date;
  expires_at: Date | null;
}

/**
 * The queues of the agent's session a pause now would leave under their floor; none: it may pause.
 * With a claim (`intent`), the check locks the queues and, when it passes, marks the intent as a
 * pause on its way, so the next check counts the agent as paused. `queued`: the queued pause being
 * taken (it does not wait behind itself or the pauses queued after it).
 */
export async function floorShort(db: Knex, agent: string, intent: number | null, queued: boolean): Promise<string[]> {
  const { rows } = await db.raw('select agentgate_floor(?, ?, ?, ?) as short', [agent, intent, intent !== null, queued]);
  return (rows[0]?.short as string[] | null) ?? [];
}

/** Whether the reason (its configured name) needs a supervisor's yes, and for how long it waits. */
export async function approvalOf(db: Knex, reason: string | null): Promise<{ timeoutS: number } | undefined> {
  if (reason === null) return undefined;
  const row = await db('pause_reasons').select('approval', 'approval_timeout_s').whereRaw('lower(name) = lower(?)', [reason]).first();
  return row?.approval ? { timeoutS: Number(row.approval_timeout_s) } : undefined;
}

export async function pendingOf(db: Knex, agent: string): Promise<PendingRow | undefined> {
  return db<PendingRow>('pending_pauses').where({ agent }).first();
}

/** Ends the agent's waiting pause (of `kind`, or any); the row it ended, if there was one. */
export async function dropPending(db: Knex, agent: string, kind?: PendingKind): Promise<PendingRow | undefined> {
  const q = db<PendingRow>('pending_pauses').where({ agent });
  if (kind) q.andWhere({ kind });
  const rows = await q.delete().returning('*');
  return rows[0] as PendingRow | undefined;
}

/** Every waiting pause, oldest first: what the keeper takes in turn. */
export async function pendingQueue(db: Knex, limit = 200): Promise<PendingRow[]> {
  return db<PendingRow>('pending_pauses').select('*').orderBy('since').orderBy('agent').limit(limit);
}

/** As `status` shows it. */
export async function pendingView(db: Knex, agent: string): Promise<PendingPause | undefined> {
  const { rows } = await db.raw(`select reason, ${isoSql('since')} as since, kind = 'approval' as approval from pending_pauses where agent = ?`, [agent]);
  const r = rows[0];
  return r ? { reason: r.reason ?? null, since: r.since, approval: Boolean(r.approval) } : undefined;
}

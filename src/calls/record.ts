import type { Knex } from 'knex';
import type { CallEvent } from '../ami/pbx.js';

/**
 * Writes the end of a member's leg of a queue call (sql/009_calls.sql): AgentComplete as `answered`,
 * AgentRingNoAnswer as `missed`. Every instance sees the event and calls this; the leg's unique key
 * keeps one row. Returns whether this call wrote it.
 */
export async function recordCallEnd(db: Knex, ev: CallEvent, agent: string | null, endedMs: number): Promise<boolean> {
  const answered = ev.kind === 'complete';
  const startedMs = answered ? endedMs - (ev.talkS ?? 0) * 1000 : endedMs - (ev.ringMs ?? 0);
  const { rows } = await db.raw<{ rows: unknown[] }>(
    `INSERT INTO queue_calls (outcome, queue, interface, agent, caller, caller_uniqueid, member_uniqueid, started, ended, hold_s, talk_s, ring_ms, ended_by)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (caller_uniqueid, member_uniqueid) DO NOTHING
     RETURNING id`,
    [
      answered ? 'answered' : 'missed',
      ev.queue,
      ev.interface ?? '',
      agent,
      ev.callerNum,
      ev.uniqueid,
      ev.memberUniqueid ?? '',
      new Date(startedMs),
      new Date(endedMs),
      ev.holdS ?? null,
      answered ? (ev.talkS ?? 0) : null,
      answered ? null : (ev.ringMs ?? 0),
      answered ? (ev.reason ?? null) : null,
    ],
  );
  return rows.length === 1;
}

/** Who is logged in on a member interface now (null: nobody agentgate knows). */
export async function agentOnInterface(db: Knex, iface: string): Promise<string | null> {
  const row = await db('agent_sessions').where({ interface: iface }).first('agent');
  return (row?.agent as string | undefined) ?? null;
}

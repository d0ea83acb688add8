import type { Knex } from 'knex';
import type { Logger } from 'pino';
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
export async function agentOnInterface(db: Knex, iface: string, remoteExten?: (iface: string) => string | undefined): Promise<string | null> {
  // a member across PBXs (CONTRACT §9) is its extension's agent
  const exten = remoteExten?.(iface);
  const row = await db('agent_sessions').where(exten === undefined ? { interface: iface } : { exten }).first('agent');
  return (row?.agent as string | undefined) ?? null;
}

export interface LegEndDeps {
  db: Knex;
  /** The extension whose member across PBXs an interface is, on this board's PBX (`PbxSet.extenOfRemote`). */
  remoteExten?: ((iface: string) => string | undefined) | undefined;
  log: Logger;
  /** How many tries (default: until stopped), and the pause before the second (doubled each time, at most 30 s). */
  recordTries?: number | undefined;
  recordRetryMs?: number | undefined;
  pause: (ms: number) => Promise<void>;
  stopped: () => boolean;
}

/**
 * The end of a leg, to `queue_calls` for the reports, under the agent who took it. Every instance
 * writes it (the leg's unique key keeps one row); a failed write (Postgres away) is tried again,
 * with a growing pause, for as long as the process runs: only a stop (one last try) or a crash
 * during an outage loses it, and then only from this instance's writes.
 */
export async function recordLegEnd(d: LegEndDeps, ev: CallEvent, iface: string, agent: Promise<string | null | undefined> | undefined, endedMs: number): Promise<void> {
  let who = agent ? await agent : undefined;
  const tries = d.recordTries ?? Infinity;
  for (let attempt = 1; ; attempt++) {
    try {
      // a leg this process did not see begin (or whose look-up failed): who is there now
      if (who === undefined) who = await agentOnInterface(d.db, iface, d.remoteExten);
      await recordCallEnd(d.db, ev, who, endedMs);
      return;
    } catch (err) {
      const detail = { err: (err as Error).message, queue: ev.queue, interface: iface, attempt };
      if (attempt >= tries || d.stopped()) {
        d.log.error(detail, 'gave up recording the end of a queue call');
        return;
      }
      d.log.warn(detail, 'could not record the end of a queue call; trying again');
      await d.pause(Math.min(30_000, (d.recordRetryMs ?? 500) * 2 ** (attempt - 1)));
    }
  }
}

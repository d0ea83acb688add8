import { randomUUID } from 'node:crypto';
import { ALREADY_MEMBER, type QueueMember, PbxRefused } from '../ami/pbx.js';
import type { Deps } from '../commands/deps.js';
import {
  type SessionRow,
  allSessions,
  deleteSession,
  deleteSessionQueues,
  findSession,
  insertEvents,
  lockAgent,
  setPaused,
} from '../commands/store.js';
import { releaseLease, takeLease } from './lease.js';

export interface ResyncReport {
  /** Members put back into Asterisk (it restarted, or lost them). */
  readded: number;
  /** Agents whose pause state took Asterisk's value. */
  pauseTaken: number;
  /** Session queues dropped because Asterisk no longer has the queue. */
  dropped: number;
  /** Members added by an action whose answer never came, and which the database does not record. */
  removedUncertain: number;
  /** Dynamic members Asterisk has that agentgate does not know: left alone, reported. */
  unknown: Array<{ queue: string; interface: string; memberName: string }>;
}

export const memberKey = (queue: string, iface: string) => `${queue}\u0000${iface}`;

/**
 * Actions whose answer never came (the caller was told `PBX unavailable`, nothing recorded):
 * `adds` as queue+interface keys, `pauses` as interfaces. Resync makes Asterisk match the database
 * for these, rather than the other way round, since the database says what the caller was told.
 */
export interface Uncertain {
  adds: Set<string>;
  pauses: Set<string>;
}
const HOLDER = `${process.pid}-${randomUUID()}`;

/**
 * Makes Asterisk and the database agree, the database being the record of who is logged in where.
 * Runs at start, after every AMI reconnect and after an action whose answer never came. Disagreeing
 * agents are re-checked under their row lock before anything is corrected.
 *
 * For `uncertain` actions Asterisk is made to match the database: a member added by an unanswered
 * QueueAdd is taken back out, and an unanswered QueuePause is put back to the recorded state. Only
 * the entries present when the run starts are settled and forgotten; later ones wait for the next
 * run. Returns undefined when another instance holds the resync lease.
 */
export async function resync(deps: Deps, uncertain: Uncertain = { adds: new Set(), pauses: new Set() }): Promise<ResyncReport | undefined> {
  if (!(await takeLease(deps.db, HOLDER, 60))) return undefined;
  const uncertainAdds = new Set(uncertain.adds);
  const uncertainPauses = new Set(uncertain.pauses);
  try {
    const report: ResyncReport = { readded: 0, pauseTaken: 0, dropped: 0, removedUncertain: 0, unknown: [] };
    const before = await allSessions(deps.db);
    const snapshot = await deps.pbx.queueStatus();
    const byIface = new Map<string, QueueMember[]>();
    for (const m of snapshot) byIface.set(m.interface, [...(byIface.get(m.interface) ?? []), m]);

    for (const s of before) {
      const members = byIface.get(s.interface) ?? [];
      if (agrees(s, members)) continue;
      await settleAgent(deps, s.agent, report, uncertainPauses.has(s.interface));
    }

    const known = new Set((await allSessions(deps.db)).flatMap((s) => s.queues.map((q) => memberKey(q, s.interface))));
    for (const m of snapshot) {
      if (!m.dynamic || known.has(memberKey(m.queue, m.interface))) continue;
      if (uncertainAdds.has(memberKey(m.queue, m.interface))) {
        await deps.pbx.queueRemove(m.queue, m.interface).catch(() => undefined);
        report.removedUncertain += 1;
        deps.log.warn({ queue: m.queue, interface: m.interface }, 'resync: removed a member added by an unanswered action');
      } else {
        report.unknown.push({ queue: m.queue, interface: m.interface, memberName: m.memberName });
      }
    }
    for (const k of uncertainAdds) uncertain.adds.delete(k);
    for (const i of uncertainPauses) uncertain.pauses.delete(i);
    if (report.unknown.length) deps.log.warn({ unknown: report.unknown }, 'resync: Asterisk has members agentgate does not know; left alone');
    deps.log.info({ ...report, unknown: report.unknown.length }, 'resync done');
    return report;
  } finally {
    await releaseLease(deps.db, HOLDER).catch(() => undefined);
  }
}

function agrees(s: SessionRow, members: QueueMember[]): boolean {
  return s.queues.every((q) => members.some((m) => m.queue === q && m.paused === s.paused));
}

/** One agent, under its row lock, against a fresh look at Asterisk. */
async function settleAgent(deps: Deps, agent: string, report: ResyncReport, pauseUncertain: boolean): Promise<void> {
  await deps.db.transaction(async (trx) => {
    if (!(await lockAgent(trx, agent))) return;
    const s = await findSession(trx, agent);
    if (!s) return;
    const fresh: QueueMember[] = [];
    for (const queue of s.queues) {
      const found = await deps.pbx.queueStatus(queue, s.interface);
      fresh.push(...found.filter((m) => m.interface === s.interface && m.queue === queue));
    }
    const rows: Parameters<typeof insertEvents>[1] = [];

    // Pause: Asterisk's value wins when all of the agent's queues agree on one, unless the
    // difference is our own pause that went unanswered.
    const states = new Set(fresh.map((m) => m.paused));
    let paused = s.paused;
    let reason = s.reason;
    if (pauseUncertain && states.size > 0 && (states.size > 1 || !states.has(s.paused))) {
      // Our own pause went unanswered: the caller was told nothing changed, so Asterisk goes back.
      await deps.pbx.queuePause(s.interface, s.paused, s.reason ?? undefined);
    } else if (states.size === 1 && !states.has(s.paused)) {
      paused = !s.paused;
      reason = paused ? fresh.find((m) => m.paused)?.reason || null : null;
      await setPaused(trx, agent, paused, reason);
      rows.push({ agent, exten: s.exten, queue: null, kind: paused ? 'pause' : 'unpause', reason, source: 'resync' });
      report.pauseTaken += 1;
    } else if (states.size > 1) {
      // Queues disagree among themselves: the database's state is put back on all of them.
      await deps.pbx.queuePause(s.interface, s.paused, s.reason ?? undefined);
    }

    const gone: string[] = [];
    for (const queue of s.queues.filter((q) => !fresh.some((m) => m.queue === q))) {
      try {
        await deps.pbx.queueAdd({
          queue,
          interface: s.interface,
          memberName: s.member_name,
          stateInterface: s.state_interface ?? undefined,
          paused,
          reason: reason ?? undefined,
        });
        rows.push({ agent, exten: s.exten, queue, kind: 'login', source: 'resync' });
        report.readded += 1;
      } catch (err) {
        if (err instanceof PbxRefused && err.message === ALREADY_MEMBER) continue;
        if (!(err instanceof PbxRefused) || !/No such queue/i.test(err.message)) throw err;
        gone.push(queue);
        rows.push({ agent, exten: s.exten, queue, kind: 'logoff', source: 'resync' });
        report.dropped += 1;
      }
    }
    if (gone.length) {
      await deleteSessionQueues(trx, agent, gone);
      if (gone.length === s.queues.length) await deleteSession(trx, agent);
    }
    await insertEvents(trx, rows);
  });
}

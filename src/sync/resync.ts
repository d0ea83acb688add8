import { ALREADY_MEMBER, PbxRefused, type QueueMember } from '../ami/pbx.js';
import type { Deps } from '../commands/deps.js';
import { settleInDoubt } from '../commands/in-doubt.js';
import type { Change } from '../commands/intents.js';
import { expiredIntents } from '../commands/intents.js';
import { type SessionRow, allSessions } from '../commands/store.js';
import { interfaceOn, pbxOfQueue } from '../commands/route.js';
import { claimed } from './claimed.js';
import { follow, sameMember } from './follow.js';
import { releaseLease, takeLease } from './lease.js';
import { unknownChanged } from './unknown.js';

export interface ResyncReport {
  /** Members put back into Asterisk (it restarted, or lost them). */
  readded: number;
  /** Queues whose pause state took Asterisk's value. */
  pauseTaken: number;
  /** Session queues dropped because Asterisk no longer has the queue. */
  dropped: number;
  /** In-doubt actions settled (put back where Asterisk had applied them). */
  reverted: number;
  /** Dynamic members Asterisk has that agentgate does not know: left alone, reported. */
  unknown: Array<{ queue: string; interface: string; memberName: string }>;
  /** Phone lamps that differed from the record and were set. */
  lamps: number;
}

export type SyncSource = 'resync' | 'reconcile';

const LEASE_S = 10;

/**
 * Makes one PBX and the record agree (CONTRACT §9: each PBX has its own resync and reconcile, and
 * compares only its own queues' members). Runs at start and after every AMI reconnect of that PBX
 * (`resync`) and every RECONCILE_INTERVAL_S (`reconcile`), one instance at a time per PBX (a lease
 * row each). First every in-doubt intent that acted on it is settled; then every agent whose
 * queues on it disagree with its `QueueStatus` is looked at again under its claim: a member
 * Asterisk lost is put back (with its pause state), a pause state that differs takes Asterisk's
 * value for that queue, a queue Asterisk no longer has is logged off. Members agentgate does not
 * know are left alone and reported. Last, every phone lamp of the PBX's extensions is compared
 * with the record and set where it differs (Asterisk restarted, a Setvar failed, another
 * instance's lamp arrived late). Returns undefined when another instance holds the lease.
 */
export async function resync(deps: Deps, source: SyncSource = 'resync', name: string = deps.pbxes.primary()): Promise<ResyncReport | undefined> {
  if (!(await takeLease(deps.db, deps.claims.holder, LEASE_S, name))) return undefined;
  let renewed = performance.now();
  // A long run keeps its lease; a holder that dies loses it within LEASE_S.
  const keepLease = async () => {
    if (performance.now() - renewed < (LEASE_S * 1000) / 3) return;
    if (!(await takeLease(deps.db, deps.claims.holder, LEASE_S, name))) throw new Error('resync lease lost');
    renewed = performance.now();
  };
  try {
    const report: ResyncReport = { readded: 0, pauseTaken: 0, dropped: 0, reverted: 0, unknown: [], lamps: 0 };
    for (const id of await expiredIntents(deps.db, name)) if (await settleInDoubt(deps, id, source)) report.reverted += 1;

    const pbx = deps.pbxes.ready(name);
    // the queues provisioned since the last look are placed too: none is taken for another PBX's
    await deps.pbxes.readPlaces(deps.db);
    const sessions = await allSessions(deps.db, name);
    const snapshot = await pbx.queueStatus();
    const byIface = new Map<string, QueueMember[]>();
    for (const m of snapshot) byIface.set(m.interface, [...(byIface.get(m.interface) ?? []), m]);
    for (const s of sessions) {
      if (agrees(deps, name, s, byIface.get(interfaceOn(deps, name, s)) ?? [])) continue;
      await keepLease();
      await resyncAgent(deps, name, s.agent, report, source);
    }

    const known = new Set((await allSessions(deps.db, name)).flatMap((s) => s.queues.map((q) => `${q.queue}\u0000${interfaceOn(deps, name, s)}`)));
    // what an intent may touch, by the name this PBX knows the member by
    const intents: Array<{ interface: string | null; exten: string | null }> = await deps.db('intents as i')
      .leftJoin('agent_sessions as s', 's.interface', 'i.interface')
      .select('i.interface', deps.db.raw('coalesce(i.exten, s.exten) as exten'));
    const busy = new Set(intents.flatMap((i) => (!i.interface ? [] : i.exten ? [i.interface, interfaceOn(deps, name, { exten: i.exten, interface: i.interface })] : [i.interface])));
    for (const m of snapshot) {
      if (!m.dynamic || known.has(`${m.queue}\u0000${m.interface}`) || busy.has(m.interface)) continue;
      report.unknown.push({ queue: m.queue, interface: m.interface, memberName: m.memberName });
    }
    report.lamps = (await deps.lamps.sweep(deps.db, keepLease, name)).set;
    if (unknownChanged(pbx, report.unknown) && report.unknown.length) deps.log.warn({ pbx: name, unknown: report.unknown }, `${source}: Asterisk has members agentgate does not know; left alone`);
    deps.log.info({ pbx: name, ...report, unknown: report.unknown.length }, `${source} done`);
    return report;
  } finally {
    await releaseLease(deps.db, deps.claims.holder, name).catch(() => undefined);
  }
}

/** The session's queues on PBX `name` (by provisioning). */
function queuesOn(deps: Deps, name: string, s: SessionRow): SessionRow['queues'] {
  return s.queues.filter((q) => pbxOfQueue(deps, {}, q.queue) === name);
}

function agrees(deps: Deps, name: string, s: SessionRow, members: QueueMember[]): boolean {
  return queuesOn(deps, name, s).every((q) => sameMember(q, members.find((m) => m.queue === q.queue)));
}

/** One agent's queues on PBX `name`, under its claim, against a fresh look at that PBX. */
async function resyncAgent(deps: Deps, name: string, agent: string, report: ResyncReport, source: SyncSource): Promise<void> {
  await claimed(deps, { agent, action: 'resync', source, actions: 8 }, async (c) => {
    const s = c.session;
    if (!s) return undefined;
    const pbx = deps.pbxes.ready(name);
    const on = interfaceOn(deps, name, s);
    const live = (await pbx.queueStatus(undefined, on)).filter((m) => m.interface === on);
    const change: Change = { events: [] };
    for (const q of queuesOn(deps, name, s)) {
      const m = live.find((x) => x.queue === q.queue);
      if (m) {
        if (sameMember(q, m)) continue;
        follow(s, q.queue, m, source, change);
        report.pauseTaken += 1;
        continue;
      }
      try {
        await pbx.queueAdd({
          queue: q.queue,
          interface: on,
          memberName: s.member_name,
          stateInterface: s.state_interface ?? undefined,
          paused: q.paused,
          reason: q.reason ?? undefined,
        });
        change.events.push({ exten: s.exten, queue: q.queue, kind: 'login', source });
        report.readded += 1;
      } catch (err) {
        if (err instanceof PbxRefused && err.message === ALREADY_MEMBER) continue;
        if (!(err instanceof PbxRefused) || !/No such queue/i.test(err.message)) throw err;
        follow(s, q.queue, undefined, source, change);
        report.dropped += 1;
      }
    }
    return change;
  });
}

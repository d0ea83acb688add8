import type { Deps } from './deps.js';
import type { Source } from './input.js';
import { RECORD_ONLY, abandon, takeOver, type IntentRow } from './intents.js';
import { type Placed, holdMember, placeQueues } from './route.js';
import { settle } from './settle.js';
import { type SessionRow, findSession } from './store.js';

/**
 * Settles an intent whose outcome nobody knows (no answer came, its process died, or the answer
 * came after the caller was told `PBX unavailable`): the caller was not told it succeeded, so
 * Asterisk is put back to what the record says for that member, and a `reverted` event says what
 * had to be undone. Several instances may try at once; the take-over lets one do it.
 */
export async function settleInDoubt(deps: Deps, id: number, source: Source = 'resync'): Promise<boolean> {
  const { db, claims, log } = deps;
  const intent = await takeOver(db, id, claims.holder, claims.timeoutMs * 8);
  if (!intent) return false;
  // A claim that asked nothing of Asterisk left nothing there to put back (and has no echo to expect).
  const iface = RECORD_ONLY.has(intent.action) ? null : intent.interface;
  let unhold = () => undefined as void;
  try {
    const session = await findSession(db, intent.agent);
    unhold = holdMember(deps, session?.exten ?? intent.exten, iface);
    const did = iface ? await putBack(deps, intent, session?.interface === iface ? session : undefined) : [];
    const events = did.length
      ? [{ exten: session?.exten ?? intent.exten, queue: null, kind: 'reverted' as const, source, detail: JSON.stringify({ intent: id, action: intent.action, queues: intent.queues, did }) }]
      : [];
    await settle(db, id, claims.holder, { events }, false, session);
    log.info({ intent: id, agent: intent.agent, action: intent.action, did }, did.length ? 'in-doubt action reverted' : 'in-doubt action had not been applied');
    return true;
  } catch (err) {
    await abandon(db, id, claims.holder).catch(() => undefined);
    throw err;
  } finally {
    unhold();
  }
}

/**
 * Makes Asterisk hold, for the intent's member, what the record says; returns the actions taken.
 * Each queue is looked at on the PBX the intent acted on (CONTRACT §9); a PBX down leaves the
 * intent in doubt until it is back.
 */
async function putBack(deps: Deps, intent: IntentRow, session: SessionRow | undefined): Promise<string[]> {
  const iface = intent.interface as string;
  const recorded = session?.queues ?? [];
  const exten = session?.exten ?? intent.exten;
  const member = exten ? { exten, interface: iface } : undefined;
  const placed = placeQueues(deps, intent.pbx ?? {}, [...new Set([...intent.queues, ...recorded.map((q) => q.queue)])], member);
  const did: string[] = [];
  for (const p of placed) did.push(...(await putBackOn(p, intent, p.iface || iface, session)));
  return did;
}

/** `iface`: the member's interface on this PBX. */
async function putBackOn({ pbx, queues }: Placed, intent: IntentRow, iface: string, session: SessionRow | undefined): Promise<string[]> {
  const live = await pbx.queueStatus(undefined, iface);
  const recorded = session?.queues ?? [];
  const did: string[] = [];
  for (const queue of queues) {
    const want = recorded.find((q) => q.queue === queue);
    const has = live.find((m) => m.queue === queue && m.interface === iface);
    if (want && !has && session) {
      await pbx.queueAdd({
        queue,
        interface: iface,
        memberName: session.member_name,
        stateInterface: session.state_interface ?? undefined,
        paused: want.paused,
        reason: want.reason ?? undefined,
      });
      did.push(`QueueAdd ${queue}`);
    } else if (!want && has && intent.queues.includes(queue)) {
      await pbx.queueRemove(queue, iface);
      did.push(`QueueRemove ${queue}`);
    } else if (want && has && (has.paused !== want.paused || (want.paused && has.reason !== (want.reason ?? '')))) {
      await pbx.queuePause(iface, want.paused, want.reason ?? undefined, queue);
      did.push(`QueuePause ${queue} ${want.paused}`);
    }
  }
  return did;
}

import { ALREADY_MEMBER, PbxRefused } from '../ami/pbx.js';
import type { Deps } from './deps.js';
import type { Source } from './input.js';
import type { QueueState } from './store.js';
import { type Outcome, outcome } from './outcomes.js';
import { connectionOf, placeQueues, unreachable } from './route.js';
import { pausedEverywhere, pauseReason } from './state.js';
import { transition } from './transition.js';

export interface LoginInput {
  agent: string;
  exten: string;
  queues: string[];
  source: Source;
  actor?: string;
}

/**
 * Adds the agent to each queue (already in it: nothing changes) on one extension. A member
 * Asterisk already holds (left by a crash, or added by hand) is kept and set to the state the login
 * means, so both sides say the same: available, or paused with the session's reason when an agent
 * paused everywhere joins one more queue.
 */
export function login(deps: Deps, input: LoginInput): Promise<Outcome> {
  const spec = { agent: input.agent, action: 'login' as const, source: input.source, exten: input.exten, queues: input.queues, actions: 2 * input.queues.length };
  return transition(deps, spec, async (c, undo) => {
    const queues = input.queues.map((x) => c.queues.find((q) => q.name === x) ?? c.queues.find((q) => q.number === x));
    if (queues.some((q) => q === undefined)) return { outcome: outcome('queueNotExists') };
    const exten = c.exten;
    if (!exten) return { outcome: outcome('extenNotExists') };
    if (queues.some((q) => !q?.callcenter)) return { outcome: outcome('queueNotCallcenter') };
    if (!exten.callcenter) return { outcome: outcome('extenNotCallcenter') };
    const session = c.session;
    if (session && session.exten !== exten.exten) return { outcome: outcome('agentAlreadyLogged') };
    if (c.holder && c.holder !== c.agent.login) return { outcome: outcome('extenInUse') };

    const missing = [...new Set(queues.map((q) => q?.name as string))].filter((q) => !session?.queues.some((s) => s.queue === q));
    if (missing.length === 0) return { outcome: outcome('loginOk') };

    const iface = c.interface as string;
    // a queue on another PBX reaches the phone only through its PBX's remote_interface (CONTRACT §9)
    if (unreachable(deps, c.pbx, missing, exten.exten).length) return { outcome: outcome('extenNotReachable') };
    const stateInterface = session ? session.state_interface : (exten.state_interface ?? iface);
    const memberName = session?.member_name ?? (c.agent.name || c.agent.login);
    const paused = session ? pausedEverywhere(session.queues) : false;
    const reason = paused && session ? pauseReason(session.queues) : null;
    // each member on its queue's PBX; every one of them up before the first is asked
    const placed = placeQueues(deps, c.pbx, missing, { exten: exten.exten, interface: iface });
    for (const queue of missing) {
      const { pbx, iface: on } = connectionOf(placed, queue);
      const added = await pbx
        .queueAdd({ queue, interface: on, memberName, stateInterface: stateInterface ?? undefined, paused, reason: reason ?? undefined })
        .then(
          () => true,
          (err: unknown) => {
            if (err instanceof PbxRefused && err.message === ALREADY_MEMBER) return false;
            throw err;
          },
        );
      if (added) undo.push(() => pbx.queueRemove(queue, on));
      else await pbx.queuePause(on, paused, reason ?? undefined, queue);
    }
    const add: QueueState[] = missing.map((queue) => ({ queue, paused, reason }));
    return {
      outcome: outcome('loginOk'),
      change: {
        create: session ? undefined : { exten: exten.exten, interface: iface, state_interface: stateInterface, member_name: memberName },
        add,
        events: missing.map((queue) => ({ exten: exten.exten, queue, kind: 'login' as const, source: input.source, actor: input.actor })),
      },
    };
  });
}

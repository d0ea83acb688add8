import { ALREADY_MEMBER, PbxRefused } from '../ami/pbx.js';
import type { Deps } from './deps.js';
import type { Source } from './input.js';
import { type Outcome, outcome } from './outcomes.js';
import {
  type QueueRow,
  findQueue,
  findSession,
  insertEvents,
  insertSession,
  insertSessionQueues,
  lockAgent,
  lockExten,
  sessionOnExten,
} from './store.js';
import { transition } from './transition.js';

export interface LoginInput {
  agent: string;
  exten: string;
  queues: string[];
  source: Source;
}

/** Adds the agent to each queue (already in it: nothing changes) on one extension. */
export function login(deps: Deps, input: LoginInput): Promise<Outcome> {
  return transition(deps, { command: 'login', agent: input.agent }, async (trx, undo) => {
    const agent = await lockAgent(trx, input.agent);
    if (!agent) return outcome('agentNotExists');
    const queues: QueueRow[] = [];
    for (const q of input.queues) {
      const row = await findQueue(trx, q);
      if (!row) return outcome('queueNotExists');
      queues.push(row);
    }
    const exten = await lockExten(trx, input.exten);
    if (!exten) return outcome('extenNotExists');
    if (queues.some((q) => !q.callcenter)) return outcome('queueNotCallcenter');
    if (!exten.callcenter) return outcome('extenNotCallcenter');

    const session = await findSession(trx, agent.login);
    if (session && session.exten !== exten.exten) return outcome('agentAlreadyLogged');
    const holder = await sessionOnExten(trx, exten.exten);
    if (holder && holder !== agent.login) return outcome('extenInUse');

    const missing = queues.map((q) => q.name).filter((q) => !session?.queues.includes(q));
    if (missing.length === 0) return outcome('loginOk');

    const iface = session?.interface ?? exten.interface ?? deps.memberInterface.replaceAll('{exten}', exten.exten);
    const stateInterface = session ? session.state_interface : (exten.state_interface ?? iface);
    const memberName = session?.member_name ?? (agent.name || agent.login);
    for (const queue of missing) {
      const added = await deps.pbx.queueAdd({
        queue,
        interface: iface,
        memberName,
        stateInterface: stateInterface ?? undefined,
        paused: session?.paused ?? false,
        reason: session?.reason ?? undefined,
      }).then(
        () => true,
        (err: unknown) => {
          // Already a member (left by a crash, or added by hand): the wanted state holds.
          if (err instanceof PbxRefused && err.message === ALREADY_MEMBER) return false;
          throw err;
        },
      );
      if (added) undo.push({ what: `QueueAdd ${queue} ${iface}`, run: () => deps.pbx.queueRemove(queue, iface) });
    }
    if (!session) {
      await insertSession(trx, {
        agent: agent.login,
        exten: exten.exten,
        interface: iface,
        state_interface: stateInterface,
        member_name: memberName,
      });
    }
    await insertSessionQueues(trx, agent.login, missing);
    await insertEvents(
      trx,
      missing.map((queue) => ({ agent: agent.login, exten: exten.exten, queue, kind: 'login' as const, source: input.source })),
    );
    return outcome('loginOk');
  });
}

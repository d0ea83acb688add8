import { ALREADY_MEMBER, PbxRefused } from '../ami/pbx.js';
import type { Deps } from './deps.js';
import type { Source } from './input.js';
import { type Outcome, outcome } from './outcomes.js';
import { type QueueRow, lockAgentFor, lockExten, recordLogin, sessionsOf } from './store.js';
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
    const locked = await lockAgentFor(trx, input.agent, { queues: input.queues });
    if (!locked) return outcome('agentNotExists');
    const { agent } = locked;
    const queues = locked.queues.filter((q): q is QueueRow => q !== undefined);
    if (queues.length !== locked.queues.length) return outcome('queueNotExists');
    const exten = await lockExten(trx, input.exten);
    if (!exten) return outcome('extenNotExists');
    if (queues.some((q) => !q.callcenter)) return outcome('queueNotCallcenter');
    if (!exten.callcenter) return outcome('extenNotCallcenter');

    const { session, holder } = await sessionsOf(trx, agent.login, exten.exten);
    if (session && session.exten !== exten.exten) return outcome('agentAlreadyLogged');
    if (holder && holder !== agent.login) return outcome('extenInUse');

    const missing = [...new Set(queues.map((q) => q.name))].filter((q) => !session?.queues.includes(q));
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
      if (added) undo.push({ undoes: { action: 'QueueAdd', queue, interface: iface }, run: () => deps.pbx.queueRemove(queue, iface) });
    }
    await recordLogin(trx, {
      agent: agent.login,
      exten: exten.exten,
      interface: iface,
      state_interface: stateInterface,
      member_name: memberName,
      queues: missing,
      newSession: !session,
      source: input.source,
    });
    return outcome('loginOk');
  });
}

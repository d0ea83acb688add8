import type { Deps } from './deps.js';
import { verifyPin } from './pin.js';
import { agentWithDefaults, findAgent, findQueue, findReasonByCode, reasonCode, sessionOnExten } from './store.js';

/**
 * Read-only questions the phone asks while collecting a command's arguments (is this a valid answer
 * to the prompt?). The command itself still decides the outcome.
 */
export async function agentForPhone(deps: Deps, login: string): Promise<{ needsPin: boolean; defaultQueues: string[]; language: string | null } | undefined> {
  const agent = await agentWithDefaults(deps.db, login);
  if (!agent) return undefined;
  return { needsPin: agent.pin_hash !== null, defaultQueues: agent.queues, language: agent.language };
}

export async function pinMatches(deps: Deps, login: string, pin: string): Promise<boolean> {
  const agent = await findAgent(deps.db, login);
  return Boolean(agent?.pin_hash && (await verifyPin(pin, agent.pin_hash)));
}

export async function queueForPhone(deps: Deps, nameOrNumber: string): Promise<string | undefined> {
  return (await findQueue(deps.db, nameOrNumber))?.name;
}

export function reasonForCode(deps: Deps, code: string): Promise<string | undefined> {
  return findReasonByCode(deps.db, code);
}

export function codeOfReason(deps: Deps, name: string): Promise<number | undefined> {
  return reasonCode(deps.db, name);
}

/** The agent logged in on an extension: the phone acts for whoever sits at it. */
export function agentOnExten(deps: Deps, exten: string): Promise<string | undefined> {
  return sessionOnExten(deps.db, exten);
}

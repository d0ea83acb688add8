import type { PromptName } from '../agi/prompts.js';
import type { AgentCall } from '../calls/board.js';

/**
 * Every answer agentgate gives, in one table. The `message` strings are the public wire format
 * (typos included: `alredy` is what existing integrations match on); never change one.
 */
export const OUTCOMES = {
  loginOk: { result: 'success', message: 'Login OK', http: 200, prompt: 'loginOk' },
  logoffOk: { result: 'success', message: 'Logoff OK', http: 200, prompt: 'logoffOk' },
  pauseOk: { result: 'success', message: 'Pause OK', http: 200, prompt: 'pauseOk' },
  unpauseOk: { result: 'success', message: 'Unpause OK', http: 200, prompt: 'unpauseOk' },
  /** CONTRACT §10: a queue's floor (`min_available`) refused it; `wait=1` queues it instead. */
  pauseNotAllowed: { result: 'error', message: 'Pause not allowed now', http: 200, prompt: 'pauseNotAllowed' },
  pauseQueued: { result: 'success', message: 'Pause queued', http: 200, prompt: 'pauseQueued' },
  /** The reason needs a supervisor's yes: nothing changed yet. */
  pauseRequested: { result: 'success', message: 'Pause requested', http: 200, prompt: 'pauseRequested' },
  pauseApproved: { result: 'success', message: 'Pause approved', http: 200, prompt: 'pauseOk' },
  pauseDenied: { result: 'success', message: 'Pause denied', http: 200, prompt: 'argumentInvalid' },
  /** approve / deny of an agent with no pause waiting for a yes. */
  noPauseRequested: { result: 'error', message: 'No pause requested', http: 200, prompt: 'argumentInvalid' },
  statusOk: { result: 'success', message: 'Status OK', http: 200, prompt: 'statusAvailable' },
  commandNotSpecified: { result: 'error', message: 'Command not specified', http: 400, prompt: 'argumentInvalid' },
  argumentInvalid: { result: 'error', message: 'Argument list invalid', http: 400, prompt: 'argumentInvalid' },
  agentNotSpecified: { result: 'error', message: 'Agent not specified', http: 400, prompt: 'agentNotSpecified' },
  agentNotExists: { result: 'error', message: 'Agent not exists', http: 200, prompt: 'agentNotExists' },
  queueNotExists: { result: 'error', message: 'Queue not exists', http: 200, prompt: 'queueNotExists' },
  extenNotExists: { result: 'error', message: 'Exten not exists', http: 200, prompt: 'extenNotExists' },
  queueNotCallcenter: { result: 'error', message: 'Queue Call Center false', http: 200, prompt: 'queueNotCallcenter' },
  extenNotCallcenter: { result: 'error', message: 'Exten Call Center false', http: 200, prompt: 'extenNotCallcenter' },
  /** CONTRACT §9: a queue on another PBX, and the extension's PBX has no `remote_interface` to reach it by. */
  extenNotReachable: { result: 'error', message: 'Exten not reachable from queue', http: 200, prompt: 'extenNotReachable' },
  agentNotLogged: { result: 'error', message: 'Agent not logged', http: 200, prompt: 'agentNotLogged' },
  agentAlreadyPaused: { result: 'error', message: 'Agent alredy paused', http: 200, prompt: 'agentAlreadyPaused' },
  agentAlreadyAvailable: { result: 'error', message: 'Agent alredy available', http: 200, prompt: 'agentAlreadyAvailable' },
  agentAlreadyLogged: { result: 'error', message: 'Agent already logged', http: 200, prompt: 'agentAlreadyLogged' },
  extenInUse: { result: 'error', message: 'Exten already in use', http: 200, prompt: 'extenInUse' },
  pbxUnavailable: { result: 'error', message: 'PBX unavailable', http: 503, prompt: 'pbxUnavailable' },
  pbxError: { result: 'error', message: 'PBX error', http: 502, prompt: 'pbxError' },
  databaseUnavailable: { result: 'error', message: 'Database unavailable', http: 503, prompt: 'databaseUnavailable' },
  internalError: { result: 'error', message: 'Internal error', http: 500, prompt: 'internalError' },
  /** The credential may not do this (CONTRACT §8); never said on the phone, which has no credential. */
  forbidden: { result: 'error', message: 'Forbidden', http: 403, prompt: 'argumentInvalid' },
} as const satisfies Record<string, { result: 'success' | 'error'; message: string; http: number; prompt: PromptName }>;

export type OutcomeKind = keyof typeof OUTCOMES;

export type AgentState = 'available' | 'paused' | 'logged_off';

export interface AgentStatus {
  agent: string;
  state: AgentState;
  exten: string | null;
  /** The PBX of the agent's extension (CONTRACT §9); null when logged off. */
  pbx: string | null;
  queues: string[];
  /** The queues in which the agent is paused; `state` is `paused` only when that is all of them. */
  paused_queues: string[];
  reason: string | null;
  /** Who started the current pause (CONTRACT §8): `key:<name>`, `agent:<login>`, `phone:<exten>`, `ip:<address>`, `pbx`…; null when not paused. */
  actor: string | null;
  since: string | null;
  /** The queue call ringing or under way on the agent's phone (live state from Asterisk), or null. */
  call: AgentCall | null;
  /**
   * A pause waiting (CONTRACT §10): for room under a queue's floor, or for a supervisor's yes
   * (`approval`). Only there while one waits, so the answer of an agent without one is as before.
   */
  pending_pause?: PendingPause;
}

export interface PendingPause {
  reason: string | null;
  since: string;
  /** true: waiting for a supervisor's yes; false: queued under a queue's floor. */
  approval: boolean;
}

export type Outcome =
  | { kind: Exclude<OutcomeKind, 'pbxError' | 'statusOk'> }
  | { kind: 'pbxError'; detail: string }
  | { kind: 'statusOk'; status: AgentStatus };

export function outcome<K extends Exclude<OutcomeKind, 'pbxError' | 'statusOk'>>(kind: K): Outcome {
  return { kind };
}

/** The exact string of CONTRACT §2: what HTTP puts in `success`/`error` and AGI in AGENTGATE_MESSAGE. */
export function messageOf(o: Outcome): string {
  return o.kind === 'pbxError' ? `${OUTCOMES.pbxError.message}: ${o.detail}` : OUTCOMES[o.kind].message;
}


import type { Principal } from '../access/roles.js';
import { type Outcome, outcome } from './outcomes.js';

/** An extension as the contract takes it: digits only. */
export function isExten(v: string): boolean {
  return /^[0-9]+$/.test(v);
}

export type Source = 'http' | 'phone' | 'pbx' | 'resync' | 'reconcile' | 'policy';

/**
 * Who asks for a command: how it arrived, who made it (the events' actor, CONTRACT §8), and the
 * credential whose scope bounds it (none: the phone and agentgate itself, bound by their own rules).
 */
export interface By {
  source: Source;
  actor: string;
  principal?: Principal | undefined;
}

/** A feature code dialed from an extension. */
export const phoneBy = (exten: string): By => ({ source: 'phone', actor: `phone:${exten}` });
export type CommandName = 'login' | 'logoff' | 'pause' | 'unpause' | 'status' | 'approve' | 'deny';
export const COMMANDS: readonly CommandName[] = ['login', 'logoff', 'pause', 'unpause', 'status', 'approve', 'deny'];

/** What an adapter hands over, untouched: any shape a caller could send. */
export interface RawCommand {
  command?: unknown;
  agent?: unknown;
  exten?: unknown;
  queue?: unknown;
  reason?: unknown;
  /** pause: `1` queues a pause a queue's floor refuses (CONTRACT §10); `0` or absent refuses it. */
  wait?: unknown;
  /** Several queues at once: only the phone sets it, for an agent's default queues. */
  queues?: readonly string[];
}

export type Command =
  | { name: 'login'; agent: string; exten: string; queues: string[] }
  | { name: 'logoff'; agent: string }
  | { name: 'pause'; agent: string; reason: string | null; wait: boolean }
  | { name: 'unpause'; agent: string }
  | { name: 'status'; agent: string }
  | { name: 'approve' | 'deny'; agent: string };

export const MAX_REASON = 64;
const MAX_VALUE = 256;

const MISSING = Symbol('missing');
const INVALID = Symbol('invalid');
type Text = string | typeof MISSING | typeof INVALID;

/**
 * One value as text: strings as given, JSON numbers as their digits; arrays, objects, control
 * characters (a CR or LF would break an AMI or AGI line) and oversized values are invalid.
 */
function text(value: unknown): Text {
  if (value === undefined || value === null) return MISSING;
  let s: string;
  if (typeof value === 'string') s = value;
  else if (typeof value === 'number' && Number.isFinite(value)) s = String(value);
  else return INVALID;
  s = s.trim();
  if (s === '') return MISSING;
  // eslint-disable-next-line no-control-regex
  if (s.length > MAX_VALUE || /[\u0000-\u001f\u007f\ufffd]/.test(s)) return INVALID;
  return s;
}

/** CONTRACT §2 rows 1–4, in order: the checks that need no database. */
export function parseCommand(raw: RawCommand): Command | Outcome {
  const command = text(raw.command);
  if (command === MISSING) return outcome('commandNotSpecified');
  if (command === INVALID || !(COMMANDS as readonly string[]).includes(command)) return outcome('argumentInvalid');
  const name = command as CommandName;

  const agent = text(raw.agent);
  if (agent === MISSING) return outcome('agentNotSpecified');
  if (agent === INVALID) return outcome('argumentInvalid');

  switch (name) {
    case 'login': {
      const exten = text(raw.exten);
      const queues = raw.queues && raw.queue === undefined ? queueList(raw.queues) : queueList([raw.queue]);
      if (typeof exten !== 'string' || !isExten(exten) || queues === INVALID) return outcome('argumentInvalid');
      return { name, agent, exten, queues };
    }
    case 'pause': {
      const reason = text(raw.reason);
      if (reason === INVALID || (typeof reason === 'string' && !validReason(reason))) return outcome('argumentInvalid');
      const wait = text(raw.wait);
      if (wait !== MISSING && wait !== '0' && wait !== '1') return outcome('argumentInvalid');
      return { name, agent, reason: reason === MISSING ? null : reason, wait: wait === '1' };
    }
    default:
      return { name, agent };
  }
}

/**
 * A reason ends up in Asterisk's queue_log, whose fields are separated by `|`: one inside a reason
 * would shift every field after it, so it is refused rather than silently rewritten.
 */
export function validReason(reason: string): boolean {
  return reason.length <= MAX_REASON && !reason.includes('|');
}

function queueList(items: readonly unknown[]): string[] | typeof INVALID {
  if (items.length === 0 || items.length > 50) return INVALID;
  const out: string[] = [];
  for (const item of items) {
    const q = text(item);
    if (typeof q !== 'string') return INVALID;
    if (!out.includes(q)) out.push(q);
  }
  return out;
}

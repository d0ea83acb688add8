import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { ChannelInfo, Pbx } from '../ami/pbx.js';

export type CallState = 'ringing' | 'on_call';

/** An agent's call as `/api/agents` and `status` show it (CONTRACT §7). */
export interface AgentCall {
  state: CallState;
  queue: string;
  /** The PBX of the queue (CONTRACT §9): the one whose AMI connection said it. */
  pbx: string;
  /** The caller's number; null when Asterisk has none. */
  caller: string | null;
  /** The caller's name (caller id), beside CONTRACT §7's fields; null when Asterisk has none. */
  caller_name: string | null;
  /** When it began ringing, or was answered; null when unknown (rebuilt after a reconnect without CoreShowChannels). */
  since: string | null;
}

/** Callers waiting in one queue now. */
export interface QueueWaiting {
  waiting: number;
  longest_wait_s: number;
}

/** What `status` and the lists read: the calls this process sees. */
export interface CallView {
  forAgent(agent: string): AgentCall | null;
  /** Every agent on a call or ringing now, by login (the others have none). */
  byAgent(): Record<string, AgentCall>;
  /** The callers waiting in the queue, which is on `pbx`. */
  forQueue(queue: string, pbx: string): QueueWaiting;
}

/** One member's leg of a caller's call: ringing, then talking. */
export interface Leg {
  interface: string;
  queue: string;
  /** The caller's channel; '' when the leg was rebuilt from QueueStatus (which does not say). */
  uniqueid: string;
  linkedid: string | null;
  state: CallState;
  caller: string | null;
  callerName: string | null;
  since: number | null;
  /** Who took it: the agent on the interface when the call reached it (see `agentFor`). */
  agent: Promise<AgentOnInterface>;
  /** Rebuilt after a reconnect: it may be another call than the one known before. */
  rebuilt?: boolean;
  /** Its caller and start are still to be read from the channels. */
  unverified?: boolean;
}

export interface Waiter {
  since: number;
}

/** null: nobody agentgate knows is logged in there; undefined: the database could not say. */
export type AgentOnInterface = string | null | undefined;

/**
 * The member's own channel among CoreShowChannels': named after its interface (`PJSIP/2001-…`,
 * `Local/2003@from-queue-…;1`), preferring the known call, then one in a bridge.
 */
export function memberChannel(channels: ChannelInfo[], iface: string, linkedid: string | null): ChannelInfo | undefined {
  const local = /^(Local\/[^/]+)/i.exec(iface);
  const prefix = `${(local ? local[1]! : iface).toLowerCase()}-`;
  const mine = channels.filter((c) => c.channel.toLowerCase().startsWith(prefix) && (!local || c.channel.endsWith(';1')));
  return mine.find((c) => linkedid !== null && c.linkedid === linkedid) ?? mine.find((c) => c.bridged) ?? mine[0];
}

export interface CallBoardDeps {
  db: Knex;
  /** The AMI connection of one PBX: the board shows that PBX's calls. */
  pbx: Pbx;
  /** That PBX's name, which its calls carry (default: `default`). */
  name?: string;
  /** The extension whose member across PBXs an interface is, on this PBX (CONTRACT §9). */
  remoteExten?: (iface: string) => string | undefined;
  log: Logger;
  /** The live feed: `call` and `queue` messages, each member's and each queue's in order. */
  announce?: (event: 'call' | 'queue', data: unknown) => void;
  now?: () => number;
  /** A ringing leg whose caller left the queue without it being answered is dropped after this. */
  leftGraceMs?: number;
  retryMs?: number;
  /** Writes of a finished call: how many tries (default: until stopped), and the pause before the second (doubled each time, at most 30 s). */
  recordTries?: number;
  recordRetryMs?: number;
}

/**
 * The simulated app_queue's data: queues, their members and their callers, shared by the
 * membership (queues.ts), the calls (calls.ts) and the events they publish (events.ts).
 */

export interface Member {
  queue: Queue;
  interface: string;
  memberName: string;
  stateInterface: string;
  penalty: number;
  paused: boolean;
  reason: string;
  loginTime: number;
  lastPause: number;
  status: number;
  callsTaken: number;
  lastCall: number;
  wrapuptime: number;
  ringinuse: boolean;
  seq: number;
  /** Answered a call of this queue that has not ended (QueueStatus `InCall`; src/sim/calls.ts). */
  inCall: boolean;
}

export interface Queue {
  name: string;
  members: Member[];
  seq: number;
  ringinuse: boolean;
  /** Callers waiting, in order (position 1 first); src/sim/calls.ts moves them. */
  callers: Caller[];
}

/** One member being rung for a caller, then talking to it. */
export interface Leg {
  member: Member;
  channel: string;
  uniqueid: string;
  context: string;
  ringStart: number;
  up: boolean;
}

/** A queue_ent: the caller's channel in a queue, with the members rung for it. */
export interface Caller {
  queue: Queue;
  channel: string;
  uniqueid: string;
  linkedid: string;
  callerNum: string;
  callerName: string;
  context: string;
  exten: string;
  /** When it joined (ms), and its position then. */
  start: number;
  opos: number;
  legs: Leg[];
  /** Connected: the member's leg, when, the caller's hold time then, the bridge. */
  answered?: { leg: Leg; at: number; holdS: number; bridge: string };
  ended: boolean;
}

export interface CallerOptions {
  /** Default 5511999990000 and Cliente, as in the capture. */
  callerNum?: string;
  callerName?: string;
  /** The caller's channel; default `Local/<queue>@queue-caller-<n>;2` like the capture's. */
  channel?: string;
  uniqueid?: string;
  linkedid?: string;
  context?: string;
  exten?: string;
}

export interface RingOptions {
  /** The member's new channel; default from its interface (`Local/2002@from-queue-<n>;1`, `PJSIP/2001-<n>`). */
  channel?: string;
  uniqueid?: string;
}

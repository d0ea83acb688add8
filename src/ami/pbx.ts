/** What agentgate needs from Asterisk, whatever carries it. */
export interface QueueMember {
  queue: string;
  interface: string;
  memberName: string;
  stateInterface: string;
  paused: boolean;
  reason: string;
  dynamic: boolean;
}

export interface AddMember {
  queue: string;
  interface: string;
  memberName: string;
  stateInterface?: string | undefined;
  paused?: boolean;
  reason?: string | undefined;
}

/** Queue membership changes Asterisk reports, whoever caused them. */
export type MemberEvent = {
  kind: 'added' | 'removed' | 'paused';
  member: QueueMember;
};

export interface PbxEvents {
  /** A (re)connection is logged in and ready; resync hooks here. */
  connected: [];
  disconnected: [reason: string];
  member: [event: MemberEvent];
  /** A queue call moved (src/ami/calls.ts): a caller joined or left, a member rang, answered, hung up. */
  call: [event: CallEvent];
}

/**
 * app_queue's call events (all of the `agent` class), for the caller's channel and, for the
 * Agent* ones, the member's leg. Times are Asterisk's own figures.
 */
export interface CallEvent {
  kind: 'join' | 'leave' | 'abandon' | 'called' | 'connect' | 'complete' | 'ringNoAnswer' | 'dump';
  queue: string;
  /** The caller's channel, which stays the same for the whole call. */
  uniqueid: string;
  linkedid: string;
  /** The caller's number and name; null when Asterisk has none (`<unknown>`). */
  callerNum: string | null;
  callerName: string | null;
  /** Agent* events: the member's interface and the channel that rang it (one per ring). */
  interface?: string;
  memberUniqueid?: string;
  /** connect, complete, abandon: seconds the caller waited. */
  holdS?: number;
  /** complete: seconds of talk. */
  talkS?: number;
  /** ringNoAnswer: how long it rang (ms). */
  ringMs?: number;
  /** complete: who hung up (`caller`, `agent`) or `transfer`. */
  reason?: string;
}

/** What QueueStatus says about calls: members on a call (per queue) and callers waiting. */
export interface QueueCalls {
  inCall: Array<{ queue: string; interface: string }>;
  waiting: Array<{ queue: string; uniqueid: string; waitS: number }>;
}

/** One channel as CoreShowChannels lists it. */
export interface ChannelInfo {
  channel: string;
  linkedid: string;
  /** The other party (the caller, on a member's channel); null when Asterisk has none. */
  connectedNum: string | null;
  connectedName: string | null;
  bridged: boolean;
  /** Seconds since the channel was created. */
  durationS: number;
}

export interface Pbx {
  queueAdd(member: AddMember): Promise<void>;
  queueRemove(queue: string, iface: string): Promise<void>;
  /** Without `queue`, Asterisk applies it to every queue the interface is in. */
  queuePause(iface: string, paused: boolean, reason?: string, queue?: string): Promise<void>;
  /** Members of one queue or of all; `member` narrows it to one interface (needs `queue`). */
  queueStatus(queue?: string, member?: string): Promise<QueueMember[]>;
  /** One QueueStatus of every queue, read for its calls: who is on one, who waits. */
  queueCalls(): Promise<QueueCalls>;
  /** CoreShowChannels (needs `write = reporting` in manager.conf; refused without). */
  channels(): Promise<ChannelInfo[]>;
  /** Sets a custom device state (`Custom:<name>`, a phone lamp): Setvar of DEVICE_STATE(<device>), no channel. */
  setDeviceState(device: string, state: string): Promise<void>;
  /** A device's state as Asterisk names it (`NOT_INUSE`, `UNKNOWN` for a custom device never set…): Getvar of DEVICE_STATE(<device>). */
  getDeviceState(device: string): Promise<string>;
  isConnected(): boolean;
  on<K extends keyof PbxEvents>(event: K, listener: (...args: PbxEvents[K]) => void): this;
  off<K extends keyof PbxEvents>(event: K, listener: (...args: PbxEvents[K]) => void): this;
  close(): Promise<void>;
}

/** Asterisk answered `Response: Error`; `message` is its `Message:` header, word for word. */
export class PbxRefused extends Error {
  constructor(readonly action: string, message: string) {
    super(message);
    this.name = 'PbxRefused';
  }
}

/**
 * No answer: not connected, timed out, or the connection dropped while waiting. `uncertain` is true
 * when the action may have reached Asterisk, so only a fresh QueueStatus can tell what happened.
 */
export interface SentAction {
  action: string;
  queue?: string | undefined;
  interface?: string | undefined;
}

export class PbxUnavailable extends Error {
  constructor(
    message: string,
    readonly uncertain: boolean,
    readonly sent?: SentAction,
  ) {
    super(message);
    this.name = 'PbxUnavailable';
  }
}

/** A value that would break the AMI framing (CR or LF) never reaches the wire. */
export class PbxBadValue extends Error {
  constructor(header: string) {
    super(`AMI header ${header} contains a line break`);
    this.name = 'PbxBadValue';
  }
}

/** app_queue's answers that mean the wanted state already holds. */
export const ALREADY_MEMBER = 'Unable to add interface: Already there';
export const NOT_A_MEMBER = 'Unable to remove interface: Not there';
export const NO_SUCH_QUEUE_REMOVE = 'Unable to remove interface from queue: No such queue';

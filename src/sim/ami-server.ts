/**
 * A simulated Asterisk Manager Interface (AMI) server, byte-faithful to what Asterisk 22.10 sends
 * for the actions agentgate uses (see test/fixtures/asterisk/ami/ for the real captures).
 *
 * Modelled: manager.c session handling (greeting, Login/Logoff, the Events mask, "Permission denied"
 * before login, "Missing action in request", unknown actions, the ~1 s delay before
 * "Authentication failed"), and app_queue.c's dynamic members: QueueAdd, QueueRemove, QueuePause
 * (one queue or all queues), QueueStatus, QueueSummary, with the events Asterisk publishes
 * (QueueMemberAdded/Removed/Pause/Status, DeviceStateChange for Queue:<q>_pause_<iface> and
 * Queue:<q>_avail, FullyBooted, SuccessfulAuth). Lamps (device-states.ts, hints.ts,
 * device-state-actions.ts): Setvar/Getvar of DEVICE_STATE(Custom:…), ExtensionState,
 * ExtensionStateList, dialplan hints (pattern hints made concrete on first look-up), DeviceStateChange
 * and ExtensionStatus events, and the `write =` class each action needs (authority.ts). What a
 * health check and an import read: PJSIPShowEndpoints (pjsip.ts), Command `dialplan show` over
 * an extensions.conf text (dialplan.ts).
 *
 * Calls in queues are driven by the test (`callArrives`, src/sim/calls.ts): their agent-class events,
 * QueueStatus's QueueEntry and InCall, and CoreShowChannels.
 *
 * Not modelled: routing (who rings is the test's choice), the channels' own call events, Originate,
 * other CLI commands, Hangup, MD5 challenge login, realtime members, static members from queues.conf.
 * Unknown actions get Asterisk's own "Invalid/unknown command" answer.
 *
 * Where each part lives: protocol.ts (wire format), sessions.ts (TCP), actions.ts and
 * queue-actions.ts (the answers), queues.ts (the member model), events.ts, faults.ts.
 */
import { EventEmitter } from 'node:events';
import { type ActionDeps, processMessage } from './actions.js';
import { type CallerOptions, SimCall, SimCalls } from './calls.js';
import { DeviceStates } from './device-states.js';
import { DEVICE_STATES, type DeviceStateName, toDeviceState } from './devices.js';
import { EventQueue } from './events.js';
import { shippedDialplan } from './dialplan.js';
import { Faults, type SimMode } from './faults.js';
import { type HintSpec, SHIPPED_HINTS } from './hints.js';
import { type AmiMessage, actionName, stringsToMask } from './protocol.js';
import { publicMember, Queues, type SimMember } from './queues.js';
import type { SimEndpoint } from './pjsip.js';
import { Sessions } from './sessions.js';

export type { AmiMessage, CallerOptions, DeviceStateName, HintSpec, SimCall, SimEndpoint, SimMember, SimMode };

export interface SimAsteriskOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port (read it back from `port`). */
  port?: number;
  /** Default 'agentgate'. */
  username?: string;
  /** Default 'secret'. */
  secret?: string;
  /** Default ['support', 'sales']. */
  queues?: string[];
  /** Delay before "Authentication failed" is sent and the socket closed. Real Asterisk: 1000. Default 50. */
  authFailDelayMs?: number;
  /** Unauthenticated connections are closed after this long (manager.conf authtimeout). Default 30000; 0 = never. */
  authTimeoutMs?: number;
  /** Device state of a state interface nobody set with setDeviceState(). Default NOT_INUSE. */
  defaultDeviceState?: DeviceStateName;
  /** Wall clock in epoch milliseconds (for LoginTime, LastPause, Timestamp...). Default Date.now. */
  clock?: () => number;
  /** The dialplan's hints. Default: the shipped dialplan's (`_*55X.` → `Custom:agentgate-${EXTEN:3}` in agentgate-features). */
  hints?: readonly HintSpec[];
  /** The account's manager.conf `write =` (e.g. `agent` refuses Setvar with Permission denied). Default 'all'. */
  write?: string;
  /** pjsip.conf's endpoints (PJSIPShowEndpoints). Default none. */
  endpoints?: SimEndpoint[];
  /** extensions.conf as text (Command `dialplan show`). Default: the shipped dialplan/agentgate.conf. */
  dialplan?: string;
}

/** Emits 'action' with each received action, as it is recorded in `actions`. */
export class SimAsterisk extends EventEmitter {
  /** Every action received (Login always; others once logged in), in order. */
  readonly actions: AmiMessage[] = [];
  authFailDelayMs: number;
  authTimeoutMs: number;
  username: string;
  secret: string;
  /** manager.conf `write =` of the account; may be changed on a running simulator. */
  write: string;
  /** pjsip.conf's endpoints and extensions.conf's text; may be changed on a running simulator. */
  endpoints: SimEndpoint[];
  dialplan: string;

  private readonly faults = new Faults();
  private readonly sessions: Sessions;
  private readonly events: EventQueue;
  private readonly queues: Queues;
  private readonly calls: SimCalls;
  private readonly devices: DeviceStates;
  private readonly clock: () => number;
  private startedAt: number;

  private constructor(opts: SimAsteriskOptions) {
    super();
    this.username = opts.username ?? 'agentgate';
    this.secret = opts.secret ?? 'secret';
    this.authFailDelayMs = opts.authFailDelayMs ?? 50;
    this.authTimeoutMs = opts.authTimeoutMs ?? 30_000;
    this.write = opts.write ?? 'all';
    this.endpoints = opts.endpoints ?? [];
    this.dialplan = opts.dialplan ?? shippedDialplan();
    this.clock = opts.clock ?? Date.now;
    this.startedAt = this.clock();
    this.events = new EventQueue((flag, text) => {
      if (this.faults.mode !== 'silent') this.sessions.broadcast(flag, text);
    });
    this.queues = new Queues(this.events, this.clock, toDeviceState(opts.defaultDeviceState ?? 'NOT_INUSE'));
    this.calls = new SimCalls(this.queues, this.events, this.clock);
    for (const q of opts.queues ?? ['support', 'sales']) this.addQueue(q);
    this.devices = new DeviceStates(this.queues, this.events, opts.hints ?? SHIPPED_HINTS, toDeviceState(opts.defaultDeviceState ?? 'NOT_INUSE'));
    this.sessions = new Sessions({
      host: opts.host ?? '127.0.0.1',
      port: opts.port ?? 0,
      authTimeoutMs: () => this.authTimeoutMs,
      onMessage: (s, m) => processMessage(deps, s, m),
    });
    const deps: ActionDeps = {
      sessions: this.sessions,
      queues: this.queues,
      calls: this.calls,
      events: this.events,
      faults: this.faults,
      clock: this.clock,
      login: () => ({ username: this.username, secret: this.secret, authFailDelayMs: this.authFailDelayMs }),
      startedAt: () => this.startedAt,
      devices: { devices: this.devices, globals: new Map() },
      writePermission: () => Math.max(0, stringsToMask(this.write)),
      config: () => ({ endpoints: this.endpoints, dialplan: this.dialplan }),
      received: (action) => {
        this.actions.push(action);
        this.emit('action', action);
      },
    };
  }

  static async start(opts: SimAsteriskOptions = {}): Promise<SimAsterisk> {
    const sim = new SimAsterisk(opts);
    await sim.sessions.listen();
    return sim;
  }

  get port(): number {
    return this.sessions.port;
  }

  /** normal, silent (actions recorded, nothing answered or sent) or refuse (queue changes answer `refuseMessage`). */
  get mode(): SimMode {
    return this.faults.mode;
  }
  set mode(mode: SimMode) {
    this.faults.mode = mode;
  }

  get refuseMessage(): string {
    return this.faults.refuseMessage;
  }
  set refuseMessage(message: string) {
    this.faults.refuseMessage = message;
  }

  /** queue_log lines this PBX would have written (`epoch|callid|queue|agent|event|data`). */
  get queueLog(): string[] {
    return this.queues.queueLog;
  }

  actionsOf(name: string): AmiMessage[] {
    const want = name.toLowerCase();
    return this.actions.filter((a) => actionName(a).toLowerCase() === want);
  }

  clearActions(): void {
    this.actions.length = 0;
  }

  /** Current dynamic members of all queues, in Asterisk's iteration order. */
  members(): SimMember[] {
    return this.queues.ordered().flatMap((q) => this.queues.orderedMembers(q).map(publicMember));
  }

  queueNames(): string[] {
    return this.queues.ordered().map((q) => q.name);
  }

  connectionCount(): number {
    return this.sessions.count;
  }

  addQueue(name: string): void {
    this.queues.addQueue(name);
  }

  /** The next action (optionally only one with this Action name) is applied, then its connection is destroyed unanswered. */
  dropNextAction(name?: string): void {
    this.faults.dropNextAction(name);
  }

  /**
   * After the next `action` (by name) is answered, runs `then` (a call step, say) and sends the
   * answer and the events that follow it in one TCP write, as they may reach a client from a real
   * Asterisk: events queued while a list was being written go out right after its last line.
   */
  afterNextAnswer(action: string, then: () => void): void {
    this.faults.afterNextAnswer(action, then);
  }

  /** Destroy every client socket (like a network cut). */
  dropConnections(): void {
    this.sessions.dropAll();
  }

  /**
   * Like an Asterisk restart with persistentmembers off: every dynamic member is lost and every
   * connection dropped. With downMs > 0 the port refuses connections for that long. Custom device
   * states come back from the astdb (as on Asterisk) unless `freshAstdb` (a new install, or a
   * container whose /var/lib/asterisk was not kept); hints made from patterns are gone.
   */
  async restart(opts: { downMs?: number; freshAstdb?: boolean } = {}): Promise<void> {
    this.sessions.dropAll();
    this.queues.restart();
    this.calls.reset();
    this.events.reset();
    this.devices.restart(opts.freshAstdb ?? false);
    this.startedAt = this.clock();
    const downMs = opts.downMs ?? 0;
    if (downMs > 0) await this.sessions.goDown(downMs);
  }

  async close(): Promise<void> {
    await this.sessions.close();
  }

  /**
   * A caller joins `queue` (QueueCallerJoin). The call it returns rings members, is answered, not
   * answered, abandoned or hung up, each step with Asterisk's events (src/sim/calls.ts).
   */
  callArrives(queue: string, opts: CallerOptions = {}): SimCall {
    return this.calls.arrive(queue, opts);
  }

  /** Change a device's state (like CLI `devstate change Custom:2001 INUSE`); members using it change Status. */
  setDeviceState(device: string, state: DeviceStateName | number): void {
    this.queues.setDeviceState(device, toDeviceState(state));
    this.events.flush();
  }

  /** The state of a device now, as `Getvar DEVICE_STATE(<device>)` answers it (a Custom: device never set is UNKNOWN). */
  deviceState(device: string): DeviceStateName {
    return DEVICE_STATES[this.devices.stateOf(device)] ?? 'UNKNOWN';
  }

  /** A pause/unpause made elsewhere (supervisor console, dialplan). Returns false if the interface was not found. */
  externalPause(iface: string, paused: boolean, reason?: string, queue?: string): boolean {
    const ok = this.queues.setPaused(queue ?? '', iface, reason ?? '', paused);
    this.events.flush();
    return ok;
  }

  /** A member added elsewhere (CLI `queue add member`). Returns false if the queue is unknown or it is already there. */
  externalAdd(
    queue: string,
    iface: string,
    memberName: string,
    stateInterface?: string,
    opts: { penalty?: number; paused?: boolean; reason?: string } = {},
  ): boolean {
    const res = this.queues.add('CLI', {
      queue,
      iface,
      memberName,
      penalty: opts.penalty ?? 0,
      paused: opts.paused ?? false,
      stateInterface: stateInterface ?? '',
      reason: opts.reason ?? '',
      wrapuptime: 0,
    });
    this.events.flush();
    return res === 'ok';
  }

  /** A member removed elsewhere (CLI `queue remove member`). Returns false if it was not there. */
  externalRemove(queue: string, iface: string): boolean {
    const res = this.queues.remove('CLI', queue, iface);
    this.events.flush();
    return res === 'ok';
  }
}

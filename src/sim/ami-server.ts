/**
 * A simulated Asterisk Manager Interface (AMI) server, byte-faithful to what Asterisk 22.10 sends
 * for the actions agentgate uses (see test/fixtures/asterisk/ami/ for the real captures).
 *
 * Modelled: manager.c session handling (greeting, Login/Logoff, the Events mask, "Permission denied"
 * before login, "Missing action in request", unknown actions, the ~1 s delay before
 * "Authentication failed"), and app_queue.c's dynamic members: QueueAdd, QueueRemove, QueuePause
 * (one queue or all queues), QueueStatus, QueueSummary, with the events Asterisk publishes
 * (QueueMemberAdded/Removed/Pause/Status, DeviceStateChange for Queue:<q>_pause_<iface> and
 * Queue:<q>_avail, FullyBooted, SuccessfulAuth).
 *
 * Not modelled: calls/callers (QueueEntry, AgentCalled...), Originate, Command, Hangup, MD5 challenge
 * login, realtime members, static members from queues.conf, penalties' effect on routing.
 * Unknown actions get Asterisk's own "Invalid/unknown command" answer.
 *
 * Iteration order matches Asterisk's: queues live in a 53-bucket ao2 hash keyed by
 * ast_str_case_hash(name), members in a 37-bucket hash keyed by app_queue's member_hash_fn; both are
 * walked bucket by bucket, which is why QueueStatus lists "support" before "sales" and member
 * Local/2002@... before Local/2001@... in the captures.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { performance } from 'node:perf_hooks';

export interface SimMember {
  queue: string;
  interface: string;
  memberName: string;
  stateInterface: string;
  paused: boolean;
  reason: string;
  loginTime: number;
  lastPause: number;
  penalty: number;
  /** Asterisk device state number (1 = NOT_INUSE, 2 = INUSE, ...), as shown in `Status:`. */
  status: number;
  wrapuptime: number;
}

/** One received action, headers as sent (first occurrence of a header wins). */
export interface AmiMessage {
  [header: string]: string;
}

export type DeviceStateName =
  | 'UNKNOWN'
  | 'NOT_INUSE'
  | 'INUSE'
  | 'BUSY'
  | 'INVALID'
  | 'UNAVAILABLE'
  | 'RINGING'
  | 'RINGINUSE'
  | 'ONHOLD';

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
}

export type SimMode = 'normal' | 'silent' | 'refuse';

// ---------------------------------------------------------------------------------------------
// Asterisk constants

const AMI_GREETING = 'Asterisk Call Manager/11.0.0\r\n';

/** manager.h EVENT_FLAG_* with the labels of manager.c's perms[] table. */
const EVENT_FLAGS: ReadonlyArray<readonly [string, number]> = [
  ['system', 1 << 0],
  ['call', 1 << 1],
  ['log', 1 << 2],
  ['verbose', 1 << 3],
  ['command', 1 << 4],
  ['agent', 1 << 5],
  ['user', 1 << 6],
  ['config', 1 << 7],
  ['dtmf', 1 << 8],
  ['reporting', 1 << 9],
  ['cdr', 1 << 10],
  ['dialplan', 1 << 11],
  ['originate', 1 << 12],
  ['agi', 1 << 13],
  ['cc', 1 << 14],
  ['aoc', 1 << 15],
  ['test', 1 << 16],
  ['security', 1 << 17],
  ['message', 1 << 18],
  ['all', 0x7fffffff],
];
const FLAG = {
  system: 1 << 0,
  call: 1 << 1,
  agent: 1 << 5,
  security: 1 << 17,
} as const;
const ALL_EVENTS = 0x7fffffff;

const DEVICE_STATES: readonly DeviceStateName[] = [
  'UNKNOWN',
  'NOT_INUSE',
  'INUSE',
  'BUSY',
  'INVALID',
  'UNAVAILABLE',
  'RINGING',
  'RINGINUSE',
  'ONHOLD',
];
const DS = { UNKNOWN: 0, NOT_INUSE: 1, INUSE: 2, BUSY: 3, INVALID: 4, UNAVAILABLE: 5, RINGING: 6, RINGINUSE: 7, ONHOLD: 8 };

const QUEUE_BUCKETS = 53; // app_queue.c MAX_QUEUE_BUCKETS
const MEMBER_BUCKETS = 37; // app_queue.c: members container of a non-linear queue

/** utils.c ast_true(). */
function astTrue(s: string): boolean {
  return /^(yes|true|y|t|1|on)$/i.test(s);
}
/** utils.c ast_false(). */
function astFalse(s: string): boolean {
  return /^(no|false|n|f|0|off)$/i.test(s);
}

/** manager.c strings_to_mask(): -1 = leave the mask as it is. */
function stringsToMask(s: string): number {
  if (s === '') return -1;
  if (/^[0-9]+$/.test(s)) return Number.parseInt(s, 10) | 0;
  if (astFalse(s)) return 0;
  if (astTrue(s)) return ALL_EVENTS;
  let mask = 0;
  const words = s.split(',').map((w) => w.toLowerCase());
  for (const [label, flag] of EVENT_FLAGS) if (words.includes(label)) mask |= flag;
  return mask;
}

/** manager.c authority_to_str() for a single category. */
function privilege(flag: number): string {
  const found = EVENT_FLAGS.find(([, f]) => f === flag);
  return `${found ? found[0] : 'system'},all`;
}

/** strings.h ast_str_case_hash() (unsigned djb2 on the lower-cased string, restricted to INT_MAX). */
function strCaseHash(s: string): number {
  let h = 5381;
  for (const ch of s.toLowerCase()) h = (Math.imul(h, 33) ^ (ch.charCodeAt(0) & 0xff)) >>> 0;
  return h & 0x7fffffff;
}

/** app_queue.c member_hash_fn(): the 5 characters from the first '/', compressed to 6 bits each. */
function memberHash(iface: string): number {
  const slash = iface.indexOf('/');
  const s = slash < 0 ? iface : iface.slice(slash);
  let ret = 0;
  for (let i = 0; i < 5 && i < s.length; i++) {
    const c = s.charCodeAt(i) & 0xff;
    const cc = c < 32 ? 0 : c > 96 ? c - 64 : c - 32;
    ret = (ret + (cc << (i * 6))) | 0;
  }
  return Math.abs(ret);
}

/** The device a state interface answers to (app_queue.c device_state_cb trims Local/x@ctx/n to Local/x@ctx). */
function deviceKey(stateInterface: string): string {
  let dev = stateInterface;
  if (/^local\//i.test(dev)) {
    const second = dev.indexOf('/', 6);
    if (second >= 0) dev = dev.slice(0, second);
  }
  return dev.toLowerCase();
}

function toDeviceState(state: DeviceStateName | number): number {
  if (typeof state === 'number') return state;
  const n = DEVICE_STATES.indexOf(state.toUpperCase() as DeviceStateName);
  if (n < 0) throw new Error(`unknown device state ${state}`);
  return n;
}

// ---------------------------------------------------------------------------------------------
// Model

interface Member {
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
}

interface Queue {
  name: string;
  members: Member[];
  seq: number;
  ringinuse: boolean;
}

/** A parsed AMI message: raw "Name: value" lines. */
class Message {
  constructor(readonly lines: string[]) {}

  /** manager.c astman_get_header(): first match, case-insensitive name, leading blanks skipped. */
  get(name: string, skipEmpty = false): string {
    const want = name.toLowerCase();
    for (const line of this.lines) {
      const colon = line.indexOf(':');
      if (colon < 0 || line.slice(0, colon).toLowerCase() !== want) continue;
      const value = line.slice(colon + 1).replace(/^[ \t]+/, '');
      if (skipEmpty && value === '') continue;
      return value;
    }
    return '';
  }

  toRecord(): AmiMessage {
    const out: AmiMessage = {};
    for (const line of this.lines) {
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const name = line.slice(0, colon);
      if (!Object.prototype.hasOwnProperty.call(out, name)) out[name] = line.slice(colon + 1).replace(/^[ \t]+/, '');
    }
    return out;
  }
}

interface Session {
  id: number;
  socket: net.Socket;
  sessionId: string;
  buf: string;
  lines: string[];
  authenticated: boolean;
  username: string;
  sendEvents: number;
  /** No more input is processed (Logoff, failed login, dropped). */
  done: boolean;
  authTimer: NodeJS.Timeout | undefined;
  connectedAt: number;
}

interface PendingEvent {
  flag: number;
  text: string;
  name: string;
  headers: Array<[string, string]>;
}

const MAX_BUFFER = 1 << 20;

export class SimAsterisk extends EventEmitter {
  /** Every action received (Login always; others once logged in), in order. */
  readonly actions: AmiMessage[] = [];
  /** queue_log lines this PBX would have written (`epoch|callid|queue|agent|event|data`). */
  readonly queueLog: string[] = [];
  mode: SimMode = 'normal';
  refuseMessage = 'Permission denied';
  authFailDelayMs: number;
  authTimeoutMs: number;
  username: string;
  secret: string;

  private server: net.Server;
  private readonly host: string;
  private listenPort: number;
  private readonly sessions = new Set<Session>();
  private readonly queues: Queue[] = [];
  private readonly deviceStates = new Map<string, number>();
  /** Last published state of every device (DeviceStateChange is only sent on a change). */
  private readonly devCache = new Map<string, string>();
  private readonly defaultDeviceState: number;
  private readonly clock: () => number;
  private startedAt: number;
  private seq = 0;
  private sessionSeq = 0;
  private readonly drops: Array<string | undefined> = [];
  private pending: PendingEvent[] = [];
  private closed = false;

  private constructor(opts: SimAsteriskOptions) {
    super();
    this.host = opts.host ?? '127.0.0.1';
    this.listenPort = opts.port ?? 0;
    this.username = opts.username ?? 'agentgate';
    this.secret = opts.secret ?? 'secret';
    this.authFailDelayMs = opts.authFailDelayMs ?? 50;
    this.authTimeoutMs = opts.authTimeoutMs ?? 30_000;
    this.defaultDeviceState = toDeviceState(opts.defaultDeviceState ?? 'NOT_INUSE');
    this.clock = opts.clock ?? Date.now;
    this.startedAt = this.clock();
    for (const q of opts.queues ?? ['support', 'sales']) this.addQueue(q);
    this.server = this.createServer();
  }

  static async start(opts: SimAsteriskOptions = {}): Promise<SimAsterisk> {
    const sim = new SimAsterisk(opts);
    await sim.listen();
    return sim;
  }

  get port(): number {
    return this.listenPort;
  }

  // ------------------------------------------------------------------------------------------
  // Inspection

  actionsOf(name: string): AmiMessage[] {
    const want = name.toLowerCase();
    return this.actions.filter((a) => actionName(a).toLowerCase() === want);
  }

  clearActions(): void {
    this.actions.length = 0;
  }

  /** Current dynamic members of all queues, in Asterisk's iteration order. */
  members(): SimMember[] {
    const out: SimMember[] = [];
    for (const q of this.orderedQueues()) for (const m of this.orderedMembers(q)) out.push(publicMember(m));
    return out;
  }

  queueNames(): string[] {
    return this.orderedQueues().map((q) => q.name);
  }

  connectionCount(): number {
    return this.sessions.size;
  }

  // ------------------------------------------------------------------------------------------
  // Control

  addQueue(name: string): void {
    if (this.findQueue(name)) return;
    this.queues.push({ name, members: [], seq: this.seq++, ringinuse: false });
  }

  /** The next action (optionally only one with this Action name) is applied, then its connection is destroyed unanswered. */
  dropNextAction(name?: string): void {
    this.drops.push(name);
  }

  /** Destroy every client socket (like a network cut). */
  dropConnections(): void {
    for (const s of [...this.sessions]) this.kill(s);
  }

  /**
   * Like an Asterisk restart with persistentmembers off: every dynamic member is lost and every
   * connection dropped. With downMs > 0 the port refuses connections for that long.
   */
  async restart(opts: { downMs?: number } = {}): Promise<void> {
    this.dropConnections();
    for (const q of this.queues) q.members = [];
    this.devCache.clear();
    this.pending = [];
    this.startedAt = this.clock();
    this.queueLog.push(`${this.now()}|NONE|NONE|NONE|QUEUESTART|`);
    const downMs = opts.downMs ?? 0;
    if (downMs > 0 && !this.closed) {
      await new Promise<void>((resolve) => this.server.close(() => resolve()));
      await new Promise((resolve) => setTimeout(resolve, downMs));
      if (this.closed) return;
      this.server = this.createServer();
      await this.listen();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.dropConnections();
    await new Promise<void>((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
    });
  }

  /** Change a device's state (like CLI `devstate change Custom:2001 INUSE`); members using it change Status. */
  setDeviceState(device: string, state: DeviceStateName | number): void {
    const n = toDeviceState(state);
    this.deviceStates.set(deviceKey(device), n);
    this.publishDevstate(device, n);
    // app_queue.c device_state_cb
    for (const q of this.orderedQueues()) {
      let found = false;
      let avail = false;
      for (const m of this.orderedMembers(q)) {
        if (deviceKey(m.stateInterface) === deviceKey(device)) {
          found = true;
          if (m.status !== n) {
            m.status = n;
            this.queueEvent(FLAG.agent, 'QueueMemberStatus', memberBlob(m));
          }
        }
        if (!avail) avail = isMemberAvailable(m);
      }
      if (found) this.publishDevstate(`Queue:${q.name}_avail`, avail ? DS.NOT_INUSE : DS.INUSE);
    }
    this.flush();
  }

  /** A pause/unpause made elsewhere (supervisor console, dialplan). Returns false if the interface was not found. */
  externalPause(iface: string, paused: boolean, reason?: string, queue?: string): boolean {
    const ok = this.setMemberPaused(queue ?? '', iface, reason ?? '', paused);
    this.flush();
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
    const res = this.addToQueue(queue, iface, memberName, opts.penalty ?? 0, opts.paused ?? false, stateInterface ?? '', opts.reason ?? '', 0);
    if (res === 'ok') this.log(this.findQueue(queue)?.name ?? queue, 'CLI', iface, 'ADDMEMBER', opts.paused ? 'PAUSED' : '');
    this.flush();
    return res === 'ok';
  }

  /** A member removed elsewhere (CLI `queue remove member`). Returns false if it was not there. */
  externalRemove(queue: string, iface: string): boolean {
    const res = this.removeFromQueue(queue, iface);
    if (res === 'ok') this.log(this.findQueue(queue)?.name ?? queue, 'CLI', iface, 'REMOVEMEMBER', '');
    this.flush();
    return res === 'ok';
  }

  // ------------------------------------------------------------------------------------------
  // Network

  private createServer(): net.Server {
    const server = net.createServer((socket) => this.accept(socket));
    server.on('error', () => {
      /* a listening server only errors on listen(); never crash the process */
    });
    return server;
  }

  private listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen(this.listenPort, this.host, () => {
        this.server.off('error', onError);
        const addr = this.server.address();
        if (addr && typeof addr === 'object') this.listenPort = addr.port;
        resolve();
      });
    });
  }

  private accept(socket: net.Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    const id = ++this.sessionSeq;
    const s: Session = {
      id,
      socket,
      sessionId: `0x${(0x55e75be70000 + id * 0x1c0).toString(16)}`,
      buf: '',
      lines: [],
      authenticated: false,
      username: '',
      sendEvents: -1 & ALL_EVENTS,
      done: false,
      authTimer: undefined,
      connectedAt: this.clock(),
    };
    this.sessions.add(s);
    socket.setNoDelay(true);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(s, chunk));
    socket.on('error', () => {
      /* ECONNRESET and friends: the 'close' handler cleans up */
    });
    socket.on('close', () => {
      clearTimeout(s.authTimer);
      this.sessions.delete(s);
    });
    if (this.authTimeoutMs > 0) {
      s.authTimer = setTimeout(() => {
        if (!s.authenticated) this.kill(s);
      }, this.authTimeoutMs);
      s.authTimer.unref();
    }
    this.write(s, AMI_GREETING);
  }

  private onData(s: Session, chunk: string): void {
    if (s.done) return;
    s.buf += chunk;
    if (s.buf.length > MAX_BUFFER) {
      // A line that never ends: Asterisk would dump it; we just forget it.
      s.buf = '';
      s.lines = [];
      return;
    }
    // manager.c get_input(): lines end in \r\n or a bare \n; an empty line ends the message.
    let nl: number;
    while (!s.done && (nl = s.buf.indexOf('\n')) >= 0) {
      let line = s.buf.slice(0, nl);
      s.buf = s.buf.slice(nl + 1);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line === '') {
        const msg = new Message(s.lines);
        s.lines = [];
        try {
          this.processMessage(s, msg);
        } catch {
          // A simulator bug must not take the process down; answer like Asterisk would to garbage.
          this.write(s, response(msg, 'Error', 'Internal simulator error'));
        }
      } else if (s.lines.length < 128) {
        s.lines.push(line);
      }
    }
  }

  private write(s: Session, text: string): void {
    if (!s.socket.destroyed && s.socket.writable) s.socket.write(text);
  }

  private kill(s: Session): void {
    s.done = true;
    clearTimeout(s.authTimer);
    this.sessions.delete(s);
    s.socket.destroy();
  }

  private hangUp(s: Session): void {
    s.done = true;
    clearTimeout(s.authTimer);
    s.socket.end();
  }

  // ------------------------------------------------------------------------------------------
  // manager.c process_message()

  private processMessage(s: Session, m: Message): void {
    const action = m.get('Action', true);
    const isLogin = action.toLowerCase() === 'login';
    if (action !== '' && (s.authenticated || isLogin)) {
      const record = m.toRecord();
      this.actions.push(record);
      this.emit('action', record);
    }
    if (this.mode === 'silent') return;

    if (action === '') {
      this.write(s, response(m, 'Error', 'Missing action in request'));
      return;
    }
    const lower = action.toLowerCase();
    if (!s.authenticated && lower !== 'login' && lower !== 'logoff' && lower !== 'challenge') {
      this.write(s, response(m, 'Error', 'Permission denied'));
      return;
    }

    const dropIdx = this.drops.findIndex((d) => (d === undefined ? lower !== 'login' : d.toLowerCase() === lower));
    const drop = dropIdx >= 0;
    if (drop) this.drops.splice(dropIdx, 1);

    const out: string[] = [];
    const after = this.runAction(s, m, action, out);
    if (drop) {
      this.kill(s);
      this.flush();
      return;
    }
    this.write(s, out.join(''));
    this.flush();
    if (after === 'close') this.hangUp(s);
  }

  /** Runs one action; returns 'close' when the session ends after the answer. */
  private runAction(s: Session, m: Message, action: string, out: string[]): 'close' | 'async' | void {
    const lower = action.toLowerCase();
    if (this.mode === 'refuse' && (lower === 'queueadd' || lower === 'queueremove' || lower === 'queuepause')) {
      out.push(response(m, 'Error', this.refuseMessage));
      return;
    }
    switch (lower) {
      case 'login':
        return this.actionLogin(s, m, out);
      case 'logoff':
        out.push(response(m, 'Goodbye', 'Thanks for all the fish.'));
        return 'close';
      case 'ping': {
        const t = performance.timeOrigin + performance.now();
        const wall = this.clock === Date.now ? t : this.clock();
        const sec = Math.floor(wall / 1000);
        const usec = Math.min(999_999, Math.floor((wall - sec * 1000) * 1000));
        out.push(`Response: Success\r\n${idLine(m)}Ping: Pong\r\nTimestamp: ${sec}.${String(usec).padStart(6, '0')}\r\n\r\n`);
        return;
      }
      case 'events':
        return this.actionEvents(s, m, out);
      case 'queueadd':
        return this.actionQueueAdd(m, out);
      case 'queueremove':
        return this.actionQueueRemove(m, out);
      case 'queuepause':
        return this.actionQueuePause(m, out);
      case 'queuestatus':
        return this.actionQueueStatus(m, out);
      case 'queuesummary':
        return this.actionQueueSummary(m, out);
      default:
        out.push(
          response(m, 'Error', `Invalid/unknown command: ${action}. Use Action: ListCommands to show available commands.`),
        );
    }
  }

  private actionLogin(s: Session, m: Message, out: string[]): 'async' | void {
    if (s.authenticated) {
      out.push(response(m, 'Success', 'Already authenticated'));
      return;
    }
    const username = m.get('Username');
    const secret = m.get('Secret');
    const authType = m.get('AuthType');
    const ok = username !== '' && username.toLowerCase() === this.username.toLowerCase() && authType === '' && secret === this.secret;
    if (!ok) {
      // manager.c action_login(): sleep(1), "Authentication failed", close. Nothing else is read meanwhile.
      s.done = true;
      const timer = setTimeout(() => {
        this.write(s, response(m, 'Error', 'Authentication failed'));
        s.socket.end();
      }, this.authFailDelayMs);
      timer.unref();
      return 'async';
    }
    s.authenticated = true;
    s.username = this.username;
    clearTimeout(s.authTimer);
    const mask = stringsToMask(m.get('Events'));
    if (mask >= 0) s.sendEvents = mask;
    out.push(response(m, 'Success', 'Authentication accepted'));
    if (s.sendEvents & FLAG.system) {
      const uptime = Math.floor((this.clock() - this.startedAt) / 1000);
      out.push(
        `Event: FullyBooted\r\nPrivilege: ${privilege(FLAG.system)}\r\nUptime: ${uptime}\r\nLastReload: ${uptime}\r\nStatus: Fully Booted\r\n\r\n`,
      );
    }
    // The security event is published through stasis, so it reaches every session (this one included).
    const tv = eventTv(this.clock());
    const local = stripV4Mapped(s.socket.localAddress ?? this.host);
    const remote = stripV4Mapped(s.socket.remoteAddress ?? '127.0.0.1');
    const family = net.isIPv6(local) ? 'IPV6' : 'IPV4';
    this.queueEvent(FLAG.security, 'SuccessfulAuth', [
      ['EventTV', tv],
      ['Severity', 'Informational'],
      ['Service', 'AMI'],
      ['EventVersion', '1'],
      ['AccountID', this.username],
      ['SessionID', s.sessionId],
      ['LocalAddress', `${family}/TCP/${local}/${s.socket.localPort ?? this.listenPort}`],
      ['RemoteAddress', `${family}/TCP/${remote}/${s.socket.remotePort ?? 0}`],
      ['UsingPassword', '0'],
      ['SessionTV', tv],
    ]);
  }

  private actionEvents(s: Session, m: Message, out: string[]): void {
    const res = stringsToMask(m.get('EventMask'));
    if (res >= 0) s.sendEvents = res;
    if (res > 0) out.push(`Response: Success\r\n${idLine(m)}Events: On\r\n\r\n`);
    else if (res === 0) out.push(`Response: Success\r\n${idLine(m)}Events: Off\r\n\r\n`);
    else out.push(response(m, 'Error', 'Invalid event mask'));
  }

  // ------------------------------------------------------------------------------------------
  // app_queue.c manager actions

  private actionQueueAdd(m: Message, out: string[]): void {
    const queue = m.get('Queue');
    const iface = m.get('Interface');
    if (queue === '') return void out.push(response(m, 'Error', "'Queue' not specified."));
    if (iface === '') return void out.push(response(m, 'Error', "'Interface' not specified."));
    const penalty = nonNegativeInt(m.get('Penalty'));
    const wrapuptime = nonNegativeInt(m.get('Wrapuptime'));
    const pausedS = m.get('Paused');
    const paused = pausedS !== '' && astTrue(pausedS);
    const memberName = m.get('MemberName');
    const res = this.addToQueue(queue, iface, memberName, penalty, paused, m.get('StateInterface'), m.get('Reason'), wrapuptime);
    switch (res) {
      case 'ok':
        this.log(this.findQueue(queue)?.name ?? queue, 'MANAGER', iface, 'ADDMEMBER', paused ? 'PAUSED' : '');
        out.push(response(m, 'Success', 'Added interface to queue'));
        break;
      case 'exists':
        out.push(response(m, 'Error', 'Unable to add interface: Already there'));
        break;
      case 'nosuchqueue':
        out.push(response(m, 'Error', 'Unable to add interface to queue: No such queue'));
        break;
    }
  }

  private actionQueueRemove(m: Message, out: string[]): void {
    const queue = m.get('Queue');
    const iface = m.get('Interface');
    if (queue === '' || iface === '') return void out.push(response(m, 'Error', "Need 'Queue' and 'Interface' parameters."));
    const res = this.removeFromQueue(queue, iface);
    switch (res) {
      case 'ok':
        this.log(this.findQueue(queue)?.name ?? queue, 'MANAGER', iface, 'REMOVEMEMBER', '');
        out.push(response(m, 'Success', 'Removed interface from queue'));
        break;
      case 'exists':
        out.push(response(m, 'Error', 'Unable to remove interface: Not there'));
        break;
      case 'nosuchqueue':
        out.push(response(m, 'Error', 'Unable to remove interface from queue: No such queue'));
        break;
    }
  }

  private actionQueuePause(m: Message, out: string[]): void {
    const iface = m.get('Interface');
    const pausedS = m.get('Paused');
    if (iface === '' || pausedS === '') return void out.push(response(m, 'Error', "Need 'Interface' and 'Paused' parameters."));
    const paused = astTrue(pausedS);
    if (!this.setMemberPaused(m.get('Queue'), iface, m.get('Reason'), paused)) {
      out.push(response(m, 'Error', 'Interface not found'));
    } else {
      out.push(response(m, 'Success', paused ? 'Interface paused successfully' : 'Interface unpaused successfully'));
    }
  }

  private actionQueueStatus(m: Message, out: string[]): void {
    const queueFilter = m.get('Queue');
    const memberFilter = m.get('Member');
    const id = idLine(m);
    out.push(response(m, 'Success', 'Queue status will follow', 'start'));
    let items = 0;
    for (const q of this.orderedQueues()) {
      if (queueFilter !== '' && q.name.toLowerCase() !== queueFilter.toLowerCase()) continue;
      out.push(
        'Event: QueueParams\r\n' +
          `Queue: ${q.name}\r\n` +
          'Max: 0\r\nStrategy: ringall\r\nCalls: 0\r\nHoldtime: 0\r\nTalkTime: 0\r\nCompleted: 0\r\nAbandoned: 0\r\n' +
          'ServiceLevel: 0\r\nServicelevelPerf: 0.0\r\nServicelevelPerf2: 0.0\r\nWeight: 0\r\n' +
          `${id}\r\n`,
      );
      items++;
      for (const mem of this.orderedMembers(q)) {
        if (memberFilter !== '' && mem.interface !== memberFilter && mem.memberName !== memberFilter) continue;
        out.push(
          'Event: QueueMember\r\n' +
            `Queue: ${q.name}\r\n` +
            `Name: ${mem.memberName}\r\n` +
            `Location: ${mem.interface}\r\n` +
            `StateInterface: ${mem.stateInterface}\r\n` +
            'Membership: dynamic\r\n' +
            `Penalty: ${mem.penalty}\r\n` +
            `CallsTaken: ${mem.callsTaken}\r\n` +
            `LastCall: ${mem.lastCall}\r\n` +
            `LastPause: ${mem.lastPause}\r\n` +
            `LoginTime: ${mem.loginTime}\r\n` +
            'InCall: 0\r\n' +
            `Status: ${mem.status}\r\n` +
            `Paused: ${mem.paused ? 1 : 0}\r\n` +
            `PausedReason: ${mem.reason}\r\n` +
            `Wrapuptime: ${mem.wrapuptime}\r\n` +
            `${id}\r\n`,
        );
        items++;
      }
    }
    out.push(listComplete(m, 'QueueStatusComplete', items));
  }

  private actionQueueSummary(m: Message, out: string[]): void {
    const queueFilter = m.get('Queue');
    const id = idLine(m);
    out.push(response(m, 'Success', 'Queue summary will follow', 'start'));
    let items = 0;
    for (const q of this.orderedQueues()) {
      if (queueFilter !== '' && q.name.toLowerCase() !== queueFilter.toLowerCase()) continue;
      let loggedIn = 0;
      let available = 0;
      for (const mem of q.members) {
        if (mem.status === DS.UNAVAILABLE || mem.status === DS.INVALID) continue;
        loggedIn++;
        if ((mem.status === DS.NOT_INUSE || mem.status === DS.UNKNOWN) && !mem.paused) available++;
      }
      out.push(
        'Event: QueueSummary\r\n' +
          `Queue: ${q.name}\r\n` +
          `LoggedIn: ${loggedIn}\r\nAvailable: ${available}\r\nCallers: 0\r\nHoldTime: 0\r\nTalkTime: 0\r\nLongestHoldTime: 0\r\n` +
          `${id}\r\n`,
      );
      items++;
    }
    out.push(listComplete(m, 'QueueSummaryComplete', items));
  }

  // ------------------------------------------------------------------------------------------
  // app_queue.c internals

  private addToQueue(
    queueName: string,
    iface: string,
    memberName: string,
    penalty: number,
    paused: boolean,
    stateInterface: string,
    reason: string,
    wrapuptime: number,
  ): 'ok' | 'exists' | 'nosuchqueue' {
    const q = this.findQueue(queueName);
    if (!q) return 'nosuchqueue';
    if (findMember(q, iface)) return 'exists';
    const now = this.now();
    const si = stateInterface === '' ? iface : stateInterface;
    const mem: Member = {
      queue: q,
      interface: iface,
      memberName: memberName === '' ? iface : memberName,
      stateInterface: si,
      penalty,
      paused,
      reason: paused ? reason : '',
      loginTime: now,
      lastPause: paused ? now : 0,
      status: this.deviceStates.get(deviceKey(si)) ?? this.defaultDeviceState,
      callsTaken: 0,
      lastCall: 0,
      wrapuptime,
      ringinuse: q.ringinuse,
      seq: this.seq++,
    };
    // member_add_to_queue()
    q.members.push(mem);
    this.publishDevstate(`Queue:${q.name}_pause_${mem.interface}`, mem.paused ? DS.INUSE : DS.NOT_INUSE);
    this.queueEvent(FLAG.agent, 'QueueMemberAdded', memberBlob(mem));
    if (isMemberAvailable(mem)) this.publishDevstate(`Queue:${q.name}_avail`, DS.NOT_INUSE);
    return 'ok';
  }

  private removeFromQueue(queueName: string, iface: string): 'ok' | 'exists' | 'nosuchqueue' {
    const q = this.findQueue(queueName);
    if (!q) return 'nosuchqueue';
    const mem = findMember(q, iface);
    if (!mem) return 'exists';
    this.queueEvent(FLAG.agent, 'QueueMemberRemoved', memberBlob(mem));
    // member_remove_from_queue()
    q.members = q.members.filter((x) => x !== mem);
    this.publishDevstate(`Queue:${q.name}_pause_${mem.interface}`, DS.NOT_INUSE);
    return 'ok';
  }

  /** set_member_paused(): an empty queue name means every queue the interface is in. */
  private setMemberPaused(queueName: string, iface: string, reason: string, paused: boolean): boolean {
    let found = 0;
    for (const q of this.orderedQueues()) {
      if (queueName !== '' && q.name.toLowerCase() !== queueName.toLowerCase()) continue;
      const mem = findMember(q, iface);
      if (mem) {
        found++;
        if (found === 1 && queueName === '') this.log('NONE', 'NONE', mem.memberName, paused ? 'PAUSEALL' : 'UNPAUSEALL', reason);
        this.setQueueMemberPause(q, mem, reason, paused);
      }
      if (queueName !== '') break;
    }
    return found > 0;
  }

  private setQueueMemberPause(q: Queue, mem: Member, reason: string, paused: boolean): void {
    mem.paused = paused;
    if (paused) mem.lastPause = this.now();
    mem.reason = paused ? reason : '';
    this.publishDevstate(`Queue:${q.name}_pause_${mem.interface}`, paused ? DS.INUSE : DS.NOT_INUSE);
    if (isMemberAvailable(mem)) {
      this.publishDevstate(`Queue:${q.name}_avail`, DS.NOT_INUSE);
    } else if (!q.members.some(isMemberAvailable)) {
      this.publishDevstate(`Queue:${q.name}_avail`, DS.INUSE);
    }
    this.log(q.name, 'NONE', mem.memberName, paused ? 'PAUSE' : 'UNPAUSE', reason);
    this.queueEvent(FLAG.agent, 'QueueMemberPause', memberBlob(mem));
  }

  private findQueue(name: string): Queue | undefined {
    const lower = name.toLowerCase();
    return this.queues.find((q) => q.name.toLowerCase() === lower);
  }

  private orderedQueues(): Queue[] {
    return bucketOrder(this.queues, (q) => strCaseHash(q.name) % QUEUE_BUCKETS);
  }

  private orderedMembers(q: Queue): Member[] {
    return bucketOrder(q.members, (m) => memberHash(m.interface) % MEMBER_BUCKETS);
  }

  private now(): number {
    return Math.floor(this.clock() / 1000);
  }

  private log(queue: string, callid: string, agent: string, event: string, data: string): void {
    const line = `${this.now()}|${callid}|${queue}|${agent}|${event}|${data}`;
    this.queueLog.push(line);
    this.emit('queueLog', line);
  }

  // ------------------------------------------------------------------------------------------
  // Events

  /** DeviceStateChange is published only when the cached state of the device changes. */
  private publishDevstate(device: string, state: number): void {
    const name = DEVICE_STATES[state] ?? 'UNKNOWN';
    if (this.devCache.get(device) === name) return;
    this.devCache.set(device, name);
    this.queueEvent(FLAG.call, 'DeviceStateChange', [
      ['Device', device],
      ['State', name],
    ]);
  }

  private queueEvent(flag: number, name: string, headers: Array<[string, string]>): void {
    let text = `Event: ${name}\r\nPrivilege: ${privilege(flag)}\r\n`;
    for (const [k, v] of headers) text += `${k}: ${v}\r\n`;
    this.pending.push({ flag, name, headers, text: `${text}\r\n` });
  }

  /** Deliver queued events to every logged-in session whose event mask wants them. */
  private flush(): void {
    const events = this.pending;
    this.pending = [];
    for (const e of events) {
      this.emit('event', e.name, Object.fromEntries(e.headers) as AmiMessage);
      if (this.mode === 'silent') continue;
      for (const s of this.sessions) {
        if (s.authenticated && !s.done && (s.sendEvents & e.flag) === e.flag) this.write(s, e.text);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

function actionName(a: AmiMessage): string {
  for (const [k, v] of Object.entries(a)) if (k.toLowerCase() === 'action') return v;
  return '';
}

function idLine(m: Message): string {
  const id = m.get('ActionID');
  return id === '' ? '' : `ActionID: ${id}\r\n`;
}

/** manager.c astman_send_response_full(). */
function response(m: Message, resp: string, msg: string, listflag?: string): string {
  return `Response: ${resp}\r\n${idLine(m)}${listflag ? `EventList: ${listflag}\r\n` : ''}Message: ${msg}\r\n\r\n`;
}

/** manager.c astman_send_list_complete_start()/end(). */
function listComplete(m: Message, event: string, count: number): string {
  return `Event: ${event}\r\n${idLine(m)}EventList: Complete\r\nListItems: ${count}\r\n\r\n`;
}

function nonNegativeInt(s: string): number {
  const n = Number.parseInt(s, 10);
  return Number.isFinite(n) && n >= 0 ? n : 0;
}

function findMember(q: Queue, iface: string): Member | undefined {
  const lower = iface.toLowerCase();
  return q.members.find((m) => m.interface.toLowerCase() === lower);
}

/** app_queue.c is_member_available() (no wrapup: no calls are modelled). */
function isMemberAvailable(m: Member): boolean {
  switch (m.status) {
    case DS.INVALID:
    case DS.UNAVAILABLE:
      return false;
    case DS.INUSE:
    case DS.BUSY:
    case DS.RINGING:
    case DS.RINGINUSE:
    case DS.ONHOLD:
      return m.ringinuse && !m.paused;
    default:
      return !m.paused;
  }
}

/** The fields of a QueueMember* event, in Asterisk's order. */
function memberBlob(m: Member): Array<[string, string]> {
  return [
    ['Queue', m.queue.name],
    ['MemberName', m.memberName],
    ['Interface', m.interface],
    ['StateInterface', m.stateInterface],
    ['Membership', 'dynamic'],
    ['Penalty', String(m.penalty)],
    ['CallsTaken', String(m.callsTaken)],
    ['LastCall', String(m.lastCall)],
    ['LastPause', String(m.lastPause)],
    ['LoginTime', String(m.loginTime)],
    ['InCall', '0'],
    ['Status', String(m.status)],
    ['Paused', m.paused ? '1' : '0'],
    ['PausedReason', m.reason],
    ['Ringinuse', m.ringinuse ? '1' : '0'],
    ['Wrapuptime', String(m.wrapuptime)],
  ];
}

function publicMember(m: Member): SimMember {
  return {
    queue: m.queue.name,
    interface: m.interface,
    memberName: m.memberName,
    stateInterface: m.stateInterface,
    paused: m.paused,
    reason: m.reason,
    loginTime: m.loginTime,
    lastPause: m.lastPause,
    penalty: m.penalty,
    status: m.status,
    wrapuptime: m.wrapuptime,
  };
}

/** ao2 hash container iteration: bucket by bucket, insertion order within a bucket. */
function bucketOrder<T extends { seq: number }>(items: T[], bucket: (item: T) => number): T[] {
  return items
    .map((item) => ({ item, b: bucket(item) }))
    .sort((x, y) => x.b - y.b || x.item.seq - y.item.seq)
    .map((x) => x.item);
}

/** Security event timestamps: 2026-11-24T14:28:30.684+0000 (UTC). */
function eventTv(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}+0000`;
}

function stripV4Mapped(addr: string): string {
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr;
}

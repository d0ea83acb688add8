import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { type AmiSettings, logConnectFailure } from './advice.js';
import { toCallEvent, toChannels, toQueueCalls } from './calls.js';
import { MEMBER_EVENTS, toMember } from './members.js';
import type { AmiMessage } from './framer.js';
import { AmiSocket } from './socket.js';
import { type AddMember, type ChannelInfo, type MemberEvent, type Pbx, PbxBadValue, PbxRefused, PbxUnavailable, type QueueCalls, type QueueMember } from './pbx.js';

export interface AmiOptions {
  host: string;
  port: number;
  username: string;
  secret: string;
  timeoutMs: number;
  logger: Logger;
  /** How often a Ping proves the connection alive; a Ping unanswered within timeoutMs forces a reconnect. */
  heartbeatMs?: number;
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** The settings a failed login names in its fix (default: the AMI_* variables). */
  settings?: AmiSettings | undefined;
}

interface Pending {
  events: AmiMessage[];
  complete: string;
  resolve(value: AmiMessage[]): void;
  reject(err: Error): void;
}

/**
 * The AMI connection: our own ActionIDs, per-action timeouts, fail-fast while disconnected,
 * reconnect forever with backoff, and a heartbeat that notices a half-open connection.
 */
export class AmiPbx extends EventEmitter implements Pbx {
  private client: AmiSocket | undefined;
  private abort: AbortController | undefined;
  private ready = false;
  private closed = false;
  private attempt = 0;
  private lastFailure: string | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private readonly lists = new Map<string, Pending>();
  private readonly log: Logger;

  constructor(private readonly options: AmiOptions) {
    super();
    this.log = options.logger.child({ component: 'ami' });
  }

  /** Starts connecting; resolves at once. `connected` fires each time a login succeeds. */
  start(): void {
    void this.connect();
  }

  isConnected(): boolean {
    return this.ready;
  }

  async queueAdd(m: AddMember): Promise<void> {
    await this.send({
      Action: 'QueueAdd',
      Queue: m.queue,
      Interface: m.interface,
      MemberName: m.memberName,
      StateInterface: m.stateInterface,
      Penalty: '0',
      Paused: m.paused ? 'true' : 'false',
      Reason: m.paused ? m.reason : undefined,
    });
  }

  async queueRemove(queue: string, iface: string): Promise<void> {
    await this.send({ Action: 'QueueRemove', Queue: queue, Interface: iface });
  }

  async queuePause(iface: string, paused: boolean, reason?: string, queue?: string): Promise<void> {
    await this.send({
      Action: 'QueuePause',
      Queue: queue,
      Interface: iface,
      Paused: paused ? 'true' : 'false',
      Reason: paused && reason ? reason : undefined,
    });
  }

  async queueStatus(queue?: string, member?: string): Promise<QueueMember[]> {
    const events = await this.sendList({ Action: 'QueueStatus', Queue: queue, Member: member }, 'QueueStatusComplete');
    return events.filter((e) => e.Event === 'QueueMember').map((e) => toMember(e, 'Location'));
  }

  async queueCalls(): Promise<QueueCalls> {
    return toQueueCalls(await this.sendList({ Action: 'QueueStatus' }, 'QueueStatusComplete'));
  }

  async channels(): Promise<ChannelInfo[]> {
    return toChannels(await this.sendList({ Action: 'CoreShowChannels' }, 'CoreShowChannelsComplete'));
  }

  async setDeviceState(device: string, state: string): Promise<void> {
    await this.send({ Action: 'Setvar', Variable: `DEVICE_STATE(${device})`, Value: state });
  }

  async getDeviceState(device: string): Promise<string> {
    const answer = await this.send({ Action: 'Getvar', Variable: `DEVICE_STATE(${device})` });
    return answer.Value ?? '';
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.heartbeatTimer);
    const client = this.client;
    if (client && this.ready) {
      try {
        await this.send({ Action: 'Logoff' }, Math.min(this.options.timeoutMs, 1000));
      } catch {
        // Goodbye is not guaranteed; the socket is closed below either way.
      }
    }
    this.drop('closing');
  }

  private async send(headers: AmiMessage, timeoutMs = this.options.timeoutMs): Promise<AmiMessage> {
    const message = clean(headers);
    const client = this.client;
    if (!client || !this.ready) throw new PbxUnavailable('not connected to Asterisk', false);
    const sent = { action: message.Action ?? '', queue: message.Queue, interface: message.Interface };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PbxUnavailable(`no answer to ${message.Action} within ${timeoutMs} ms`, true, sent)), timeoutMs);
    });
    try {
      const response = await Promise.race([
        client.action(message).catch((err: Error) => {
          throw new PbxUnavailable(`connection lost during ${message.Action}: ${err.message}`, true, sent);
        }),
        timeout,
      ]);
      if (response.Response === 'Error') {
        throw new PbxRefused(message.Action ?? '', response.Message ?? 'unknown error');
      }
      return response;
    } finally {
      clearTimeout(timer);
    }
  }

  /** An action answered by a response plus a list of events ending in `completeEvent`. */
  private async sendList(headers: AmiMessage, completeEvent: string): Promise<AmiMessage[]> {
    const id = randomUUID();
    let collect: Pending | undefined;
    const done = new Promise<AmiMessage[]>((resolve, reject) => {
      collect = { events: [], complete: completeEvent, resolve, reject };
    });
    done.catch(() => undefined);
    this.lists.set(id, collect as Pending);
    try {
      await this.send({ ...headers, ActionID: id });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new PbxUnavailable(`no complete ${headers.Action} list within ${this.options.timeoutMs} ms`, false)),
          this.options.timeoutMs,
        );
      });
      try {
        return await Promise.race([done, timeout]);
      } finally {
        clearTimeout(timer);
      }
    } finally {
      this.lists.delete(id);
    }
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const { host, port, username, secret, timeoutMs } = this.options;
    const abort = new AbortController();
    const client = new AmiSocket();
    this.abort = abort;
    this.client = client;
    client.on('internalError', (err: Error) => this.log.debug({ err: err.message }, 'ami socket error'));
    client.on('event', (event: AmiMessage) => this.onEvent(event));
    client.on('disconnect', () => this.onDisconnect(client, 'connection closed'));
    // the abort also fires when the socket closes first: only this timer means "no answer"
    let late = false;
    const deadline = setTimeout(() => ((late = true), abort.abort()), timeoutMs);
    try {
      await client.connect(username, secret, { host, port, signal: abort.signal });
      clearTimeout(deadline);
      if (this.closed || this.client !== client) {
        client.disconnect();
        return;
      }
      this.attempt = 0;
      this.lastFailure = undefined;
      this.ready = true;
      // Only the agent class (QueueMember*, QueueCaller*, Agent*): call and device events would be parsed for nothing.
      await this.send({ Action: 'Events', EventMask: 'agent' }).catch((err: Error) =>
        this.log.warn({ err: err.message }, 'could not narrow the AMI event mask'),
      );
      if (this.client !== client) return;
      this.log.info({ host, port }, 'ami connected');
      this.scheduleHeartbeat();
      this.emit('connected');
    } catch (err) {
      clearTimeout(deadline);
      const reason = late ? `no login answer within ${timeoutMs} ms` : (err as Error).message;
      const kind = /^AMI login refused/.test(reason) ? 'refused' : late ? 'timeout' : 'unreachable';
      this.lastFailure = logConnectFailure(this.log, this.lastFailure, reason, kind, { host, port, username }, this.options.settings);
      // a wrong secret stays wrong until someone edits it: knock at the slowest pace at once
      if (kind === 'refused') this.attempt = Math.max(this.attempt, 8);
      this.onDisconnect(client, reason);
    }
  }

  private onDisconnect(client: AmiSocket, reason: string): void {
    if (this.client !== client) return;
    const wasReady = this.ready;
    this.ready = false;
    this.client = undefined;
    clearTimeout(this.heartbeatTimer);
    this.abort?.abort();
    client.removeAllListeners('event');
    for (const pending of this.lists.values()) pending.reject(new PbxUnavailable('connection lost while reading a list', false));
    if (wasReady) {
      if (this.closed) this.log.info('ami logged off');
      else this.log.warn({ reason }, 'ami disconnected');
      this.emit('disconnected', reason);
    }
    if (this.closed) return;
    const { backoffMinMs = 250, backoffMaxMs = 5000 } = this.options;
    const delay = Math.min(backoffMaxMs, backoffMinMs * 2 ** this.attempt) * (0.75 + Math.random() * 0.5);
    this.attempt += 1;
    this.retryTimer = setTimeout(() => void this.connect(), delay);
    this.retryTimer.unref();
  }

  private drop(reason: string): void {
    const client = this.client;
    if (!client) return;
    this.onDisconnect(client, reason);
    client.disconnect();
  }

  private scheduleHeartbeat(): void {
    const every = this.options.heartbeatMs ?? 10_000;
    this.heartbeatTimer = setTimeout(() => {
      this.send({ Action: 'Ping' })
        .then(() => this.scheduleHeartbeat())
        .catch((err: Error) => {
          this.log.warn({ reason: err.message }, 'ami heartbeat failed; reconnecting');
          this.drop('heartbeat failed');
        });
    }, every);
    this.heartbeatTimer.unref();
  }

  private onEvent(event: AmiMessage): void {
    const id = event.ActionID;
    const list = id ? this.lists.get(id) : undefined;
    if (list) {
      if (event.Event === list.complete) list.resolve(list.events);
      else list.events.push(event);
      return;
    }
    const kind = MEMBER_EVENTS[event.Event ?? ''];
    if (kind) {
      this.emit('member', { kind, member: toMember(event, 'Interface') } satisfies MemberEvent);
      return;
    }
    const call = toCallEvent(event);
    if (call) this.emit('call', call);
  }
}

/** Drops absent headers, adds our own ActionID, and refuses any value that would break the framing. */
function clean(headers: AmiMessage): AmiMessage {
  const out: AmiMessage = { Action: headers.Action, ActionID: headers.ActionID ?? randomUUID() };
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined || key === 'Action' || key === 'ActionID') continue;
    if (/[\r\n]/.test(value)) throw new PbxBadValue(key);
    out[key] = value;
  }
  return out;
}

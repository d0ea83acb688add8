import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { AgiClosedError, AgiError, AgiProtocolError, AgiTimeoutError } from './errors.js';
import { AgiResponseParser, type AgiEvent, type AgiResponse, LineSplitter, formatCommand, parseEnvLine } from './protocol.js';

export interface AgiSessionOptions {
  /** How long Asterisk has to send the whole `agi_*` block (default 5 s). */
  envTimeoutMs?: number;
  /** How long one command may wait for its answer (default 30 s); GET DATA adds its own wait. */
  commandTimeoutMs?: number;
  logger?: Logger;
}

interface Pending {
  line: string;
  timeoutMs: number;
  resolve: (response: AgiResponse) => void;
  reject: (error: Error) => void;
}

const MAX_ENV_LINES = 512;

/**
 * The transport of one FastAGI connection: the `agi_*` block, then commands one at a time (later
 * calls queue), each with a timeout; everything pending is rejected with AgiClosedError when the
 * connection closes or fails. A command that times out also closes the connection: its late answer
 * would be taken for the next one's. The typed verbs are AgiSession's.
 */
export class AgiConnection {
  /** The `agi_*` block as Asterisk sent it (keys as sent: `agi_callerid`, `agi_arg_1`…). */
  env: Record<string, string> = {};
  /** The path of `agi_network_script` before `?`: `login` for `agi://host/login?queue=100`. */
  script = '';
  /** The query string of `agi_network_script`; `?silent` gives `params.has('silent')`. */
  params = new URLSearchParams();
  /** `agi_arg_1`…`agi_arg_n`. */
  args: string[] = [];

  protected log: Logger | undefined;
  protected readonly commandTimeoutMs: number;
  private readonly splitter = new LineSplitter();
  private readonly parser = new AgiResponseParser();
  private envDone = false;
  private envLines = 0;
  private envWaiter: { resolve: () => void; reject: (e: Error) => void; timer: NodeJS.Timeout } | undefined;
  private readonly queue: Pending[] = [];
  private current: (Pending & { timer: NodeJS.Timeout }) | undefined;
  private isHungUp = false;
  private isClosed = false;
  private socketClosed = false;
  private readonly hangupWaiters: Array<() => void> = [];
  private readonly closeWaiters: Array<() => void> = [];

  protected constructor(
    private readonly socket: Duplex,
    opts: AgiSessionOptions,
  ) {
    this.log = opts.logger;
    this.commandTimeoutMs = opts.commandTimeoutMs ?? 30_000;
    socket.on('data', (chunk: Buffer | string) => this.onData(chunk));
    socket.on('end', () => {
      this.teardown(new AgiClosedError('Asterisk closed the AGI connection'));
      socket.destroy();
    });
    socket.on('close', () => {
      this.socketClosed = true;
      this.teardown(new AgiClosedError('AGI connection closed'));
      for (const w of this.closeWaiters.splice(0)) w();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const quiet = err.code === 'ECONNRESET' || err.code === 'EPIPE';
      this.log?.[quiet ? 'debug' : 'warn']({ err }, 'AGI connection error');
      this.teardown(new AgiClosedError(`AGI connection failed: ${err.message}`, { cause: err }));
    });
    socket.resume();
  }

  get callerId(): string {
    return this.env.agi_callerid ?? '';
  }
  get language(): string {
    return this.env.agi_language ?? '';
  }
  get channel(): string {
    return this.env.agi_channel ?? '';
  }
  /** True once Asterisk sent `HANGUP` (the caller is gone; SET/GET VARIABLE and VERBOSE still work). */
  get hungUp(): boolean {
    return this.isHungUp;
  }
  /** True once the connection closed or close()/destroy() was called; commands then reject. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Resolves when Asterisk reports the hangup, or the connection closes. */
  waitForHangup(): Promise<void> {
    if (this.isHungUp || this.isClosed) return Promise.resolve();
    return new Promise((resolve) => this.hangupWaiters.push(resolve));
  }

  /** Ends the connection (Asterisk then finishes the AGI); resolves when the socket has closed. */
  close(): Promise<void> {
    this.teardown(new AgiClosedError('AGI session closed'));
    if (this.socketClosed) return Promise.resolve();
    const closed = new Promise<void>((resolve) => this.closeWaiters.push(resolve));
    if (!this.socket.destroyed) {
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 1000).unref();
    }
    return closed;
  }

  /** Drops the connection at once; pending commands reject with AgiClosedError (cause: `reason`). */
  destroy(reason?: Error): void {
    this.teardown(reason ?? new AgiClosedError('AGI session destroyed'));
    this.socket.destroy();
  }

  /** Sends one command (queued behind earlier ones) and resolves with its `200` answer. */
  command(verb: string, ...args: string[]): Promise<AgiResponse> {
    return this.send(verb, args);
  }

  protected readEnv(timeoutMs: number): Promise<void> {
    if (this.envDone) return Promise.resolve();
    if (this.isClosed) return Promise.reject(new AgiClosedError('AGI connection closed before the environment'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.destroy(new AgiTimeoutError('environment', timeoutMs)), timeoutMs);
      this.envWaiter = { resolve, reject, timer };
    });
  }

  protected send(verb: string, args: readonly string[], timeoutMs = this.commandTimeoutMs): Promise<AgiResponse> {
    let line: string;
    try {
      line = formatCommand(verb, args);
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.isClosed) return Promise.reject(closedError(line));
    return new Promise((resolve, reject) => {
      this.queue.push({ line, timeoutMs, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    if (this.current || this.isClosed || !this.envDone) return;
    const next = this.queue.shift();
    if (!next) return;
    const timer = setTimeout(() => this.onTimeout(), next.timeoutMs);
    this.current = { ...next, timer };
    this.log?.trace({ agi: next.line }, 'AGI command');
    this.socket.write(`${next.line}\n`, (err) => {
      if (err) this.destroy(err);
    });
  }

  private onTimeout(): void {
    const cur = this.current;
    if (!cur) return;
    this.current = undefined;
    const err = new AgiTimeoutError(cur.line, cur.timeoutMs);
    err.command = cur.line;
    cur.reject(err);
    this.log?.warn({ agi: cur.line, timeoutMs: cur.timeoutMs }, 'AGI command timed out; closing the session');
    this.destroy(new AgiClosedError(`AGI session closed: ${cur.line} timed out`));
  }

  private onData(chunk: Buffer | string): void {
    try {
      if (this.isClosed) return;
      for (const line of this.splitter.push(chunk)) {
        if (this.isClosed) return;
        if (this.envDone) this.onEvent(this.parser.line(line));
        else this.onEnvLine(line);
      }
    } catch (err) {
      this.log?.warn({ err }, 'AGI protocol error; closing the session');
      this.destroy(err instanceof Error ? err : new AgiProtocolError(String(err)));
    }
  }

  private onEnvLine(line: string): void {
    if (line === '') {
      this.envDone = true;
      this.applyEnv();
      const w = this.envWaiter;
      this.envWaiter = undefined;
      if (w) {
        clearTimeout(w.timer);
        w.resolve();
      }
      this.pump();
      return;
    }
    if (++this.envLines > MAX_ENV_LINES) throw new AgiProtocolError('AGI environment block too long');
    const kv = parseEnvLine(line);
    if (kv) this.env[kv[0]] = kv[1];
    else this.log?.debug({ line }, 'AGI environment line without ": " ignored');
  }

  private applyEnv(): void {
    const full = this.env.agi_network_script ?? (this.env.agi_request ?? '').replace(/^agi:\/\/[^/]*\/?/, '');
    const q = full.indexOf('?');
    this.script = q < 0 ? full : full.slice(0, q);
    this.params = new URLSearchParams(q < 0 ? '' : full.slice(q + 1));
    for (let i = 1; this.env[`agi_arg_${i}`] !== undefined; i++) this.args.push(this.env[`agi_arg_${i}`] ?? '');
    this.log = this.log?.child({ channel: this.channel, script: this.script });
  }

  private onEvent(event: AgiEvent | undefined): void {
    if (!event) return;
    if (event.type === 'hangup') {
      if (this.isHungUp) return;
      this.isHungUp = true;
      this.log?.debug('AGI: caller hung up');
      for (const w of this.hangupWaiters.splice(0)) w();
      return;
    }
    const cur = this.current;
    if (!cur) {
      this.log?.warn({ event }, 'AGI answer with no command pending; closing the session');
      this.destroy(new AgiProtocolError('AGI answer with no command pending'));
      return;
    }
    clearTimeout(cur.timer);
    this.current = undefined;
    if (event.type === 'response') {
      // What a caller types (a PIN among it) never reaches the log.
      const typed = /^GET DATA /i.test(cur.line);
      this.log?.trace({ agi: cur.line, response: typed ? { ...event.response, result: '[digits]' } : event.response }, 'AGI answer');
      cur.resolve(event.response);
    } else {
      event.error.command = cur.line;
      cur.reject(event.error);
      if (event.error instanceof AgiProtocolError) {
        this.destroy(new AgiClosedError('AGI session closed after a protocol error'));
        return;
      }
    }
    this.pump();
  }

  /** Marks the session closed and rejects everything pending; safe to call more than once. */
  private teardown(reason: Error): void {
    if (this.isClosed) return;
    this.isClosed = true;
    const w = this.envWaiter;
    this.envWaiter = undefined;
    if (w) {
      clearTimeout(w.timer);
      w.reject(reason instanceof AgiError ? reason : new AgiClosedError(reason.message, { cause: reason }));
    }
    const cur = this.current;
    this.current = undefined;
    if (cur) {
      clearTimeout(cur.timer);
      cur.reject(closedError(cur.line, reason));
    }
    for (const p of this.queue.splice(0)) p.reject(closedError(p.line, reason));
    for (const h of this.hangupWaiters.splice(0)) h();
  }
}

function closedError(line: string, reason?: Error): AgiClosedError {
  const err =
    reason instanceof AgiClosedError && reason.cause === undefined
      ? new AgiClosedError(reason.message)
      : new AgiClosedError(reason ? `AGI connection closed: ${reason.message}` : 'AGI connection closed', { cause: reason });
  err.command = line;
  return err;
}

import { randomUUID } from 'node:crypto';
import type { AmiMessage } from './framer.js';
import { AmiSocket } from './socket.js';

export interface AmiSessionOptions {
  host: string;
  port: number;
  username: string;
  secret: string;
  timeoutMs: number;
}

/** Why a one-shot session could not start: the network, or Asterisk refusing the login. */
export class AmiSessionError extends Error {
  constructor(
    message: string,
    readonly kind: 'unreachable' | 'refused' | 'timeout',
  ) {
    super(message);
    this.name = 'AmiSessionError';
  }
}

/**
 * One AMI login for a command that asks a few things and exits (`doctor`, `provision
 * --from-asterisk`): no reconnects and no heartbeat, unlike the service's connection
 * (client.ts). Every action has our own ActionID and a deadline.
 */
export class AmiSession {
  private readonly lists = new Map<string, { events: AmiMessage[]; complete: string; done(events: AmiMessage[]): void }>();

  private constructor(
    private readonly socket: AmiSocket,
    private readonly timeoutMs: number,
  ) {
    socket.on('event', (e: AmiMessage) => {
      const list = e.ActionID ? this.lists.get(e.ActionID) : undefined;
      if (!list) return;
      if (e.Event === list.complete) list.done(list.events);
      else list.events.push(e);
    });
    socket.on('internalError', () => undefined);
  }

  static async open(o: AmiSessionOptions): Promise<AmiSession> {
    const socket = new AmiSocket();
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), o.timeoutMs);
    try {
      await socket.connect(o.username, o.secret, { host: o.host, port: o.port, signal: abort.signal });
      return new AmiSession(socket, o.timeoutMs);
    } catch (err) {
      const message = (err as Error).message;
      if (abort.signal.aborted) throw new AmiSessionError(`no answer from ${o.host}:${o.port} within ${o.timeoutMs} ms`, 'timeout');
      if (/^AMI login refused/.test(message)) throw new AmiSessionError(message, 'refused');
      throw new AmiSessionError(`cannot reach ${o.host}:${o.port}: ${message}`, 'unreachable');
    } finally {
      clearTimeout(timer);
    }
  }

  /** One action; its response, `Response: Error` included (the caller reads Message). */
  action(headers: Record<string, string | undefined>): Promise<AmiMessage> {
    return this.deadline(this.socket.action({ ...headers, ActionID: randomUUID() }), headers.Action);
  }

  /** An action answered by events ending in `complete`; an Error response comes back with no events. */
  async list(headers: Record<string, string | undefined>, complete: string): Promise<{ response: AmiMessage; events: AmiMessage[] }> {
    const id = randomUUID();
    let done!: (events: AmiMessage[]) => void;
    const events = new Promise<AmiMessage[]>((resolve) => (done = resolve));
    this.lists.set(id, { events: [], complete, done });
    try {
      const response = await this.deadline(this.socket.action({ ...headers, ActionID: id }), headers.Action);
      if (response.Response === 'Error') return { response, events: [] };
      return { response, events: await this.deadline(events, headers.Action) };
    } finally {
      this.lists.delete(id);
    }
  }

  /** Logs off (Goodbye is not awaited for long) and closes. */
  async close(): Promise<void> {
    await Promise.race([this.socket.action({ Action: 'Logoff', ActionID: randomUUID() }), new Promise((r) => setTimeout(r, 500).unref())]).catch(
      () => undefined,
    );
    this.socket.disconnect();
  }

  private async deadline<T>(work: Promise<T>, action: string | undefined): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new AmiSessionError(`no answer to ${action} within ${this.timeoutMs} ms`, 'timeout')), this.timeoutMs);
    });
    try {
      return await Promise.race([work, late]);
    } finally {
      clearTimeout(timer);
    }
  }
}

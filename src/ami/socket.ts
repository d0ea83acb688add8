import { EventEmitter } from 'node:events';
import net from 'node:net';
import { type AmiMessage, AmiFramer, serialize } from './framer.js';

/**
 * One AMI connection: connect, log in, send actions and match their responses by ActionID (the
 * caller sets a unique one), hand every event on. No timeouts and no reconnects of its own: the
 * wrapper (`client.ts`) owns those. Emits `event` (AmiMessage) and `disconnect` (once).
 */
export class AmiSocket extends EventEmitter {
  private socket: net.Socket | undefined;
  private readonly pending = new Map<string, { resolve(m: AmiMessage): void; reject(err: Error): void }>();
  private closed = false;

  async connect(username: string, secret: string, options: { host: string; port: number; signal: AbortSignal }): Promise<void> {
    const socket = net.connect({ host: options.host, port: options.port, noDelay: true });
    this.socket = socket;
    let greeted!: () => void;
    const greeting = new Promise<void>((resolve) => (greeted = resolve));
    const framer = new AmiFramer((m) => this.onMessage(m), () => greeted());
    socket.on('data', (chunk) => framer.push(chunk));
    let failure: Error | undefined;
    socket.on('error', (err) => {
      failure ??= err;
      this.emit('internalError', err);
    });
    socket.on('close', () => this.onClose());
    const abort = () => socket.destroy(new Error('aborted'));
    options.signal.addEventListener('abort', abort, { once: true });
    try {
      await Promise.race([
        greeting,
        // the socket's own error says why (ECONNREFUSED: nothing listens there)
        new Promise<never>((_, reject) => socket.once('close', () => reject(new Error(failure?.message ?? 'connection closed before the greeting')))),
      ]);
      const answer = await this.action({ Action: 'Login', ActionID: `login-${Date.now()}-${Math.random()}`, Username: username, Secret: secret });
      if (answer.Response !== 'Success') throw new Error(`AMI login refused: ${answer.Message ?? answer.Response ?? 'no reason'}`);
    } catch (err) {
      socket.destroy();
      throw err;
    } finally {
      options.signal.removeEventListener('abort', abort);
    }
  }

  /** Sends one action; resolves with its response (the events it causes arrive as `event`). */
  action(message: AmiMessage): Promise<AmiMessage> {
    const id = message.ActionID;
    const socket = this.socket;
    if (!id) return Promise.reject(new Error('an action needs an ActionID'));
    if (!socket || this.closed) return Promise.reject(new Error('Client disconnected.'));
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      socket.write(serialize(message));
    });
  }

  disconnect(): void {
    this.socket?.destroy();
  }

  private onMessage(m: AmiMessage): void {
    if (m.Response !== undefined && m.ActionID !== undefined) {
      const waiting = this.pending.get(m.ActionID);
      if (waiting) {
        this.pending.delete(m.ActionID);
        waiting.resolve(m);
        return;
      }
    }
    if (m.Event !== undefined) this.emit('event', m);
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending.values()) p.reject(new Error('Client disconnected.'));
    this.pending.clear();
    this.emit('disconnect');
  }
}

import net from 'node:net';
import type { Logger } from 'pino';
import { AgiClosedError, AgiHangupError, AgiTimeoutError } from './errors.js';
import { AgiSession } from './session.js';

/** `peer`: the address the session connected from (IPv4-mapped IPv6 as IPv4), which says its PBX. */
export type AgiHandler = (session: AgiSession, log: Logger, peer: string) => Promise<void>;

export interface AgiServerOptions {
  host: string;
  port: number;
  /** Who may connect (Asterisk's addresses); IPv4-mapped IPv6 peers are checked as IPv4. */
  allow: net.BlockList;
  /** Connections beyond this many open sessions are closed at once. */
  maxSessions: number;
  envTimeoutMs: number;
  commandTimeoutMs: number;
  /** A session still open after this long is closed (its handler's commands then reject). */
  sessionTimeoutMs: number;
  logger: Logger;
  handler: AgiHandler;
  /** listen(2) backlog (default 511). */
  backlog?: number;
}

export interface AgiServer {
  /** Starts listening; resolves with the bound port (useful with port 0). */
  listen(): Promise<number>;
  /**
   * Stops accepting, waits up to `graceMs` for running sessions, then drops the rest (their
   * handlers get up to 1 s more to wind down).
   */
  close(graceMs: number): Promise<void>;
  activeSessions(): number;
}

/** `::ffff:127.0.0.1` → `127.0.0.1`; other addresses unchanged. */
export function plainAddress(address: string | undefined): string | undefined {
  const m = address === undefined ? null : /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return m?.[1] ?? address;
}

/** After close(grace) drops the sessions left, how long their handlers get to finish. */
const DROP_WAIT_MS = 1000;

/** Waits for `work`, at most `ms`. */
async function within(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

export function createAgiServer(opts: AgiServerOptions): AgiServer {
  const log = opts.logger;
  /** Open sessions: socket → settles when the session is over (handler done and socket closed). */
  const sessions = new Map<net.Socket, Promise<void>>();
  let closing = false;

  const server = net.createServer({ pauseOnConnect: true, noDelay: true }, (socket) => {
    socket.on('error', () => {}); // the session logs errors; never let one crash the process
    const address = plainAddress(socket.remoteAddress);
    if (closing || address === undefined) {
      socket.destroy(); // shutting down, or the peer is already gone
      return;
    }
    const allowed = opts.allow.check(address, net.isIPv4(address) ? 'ipv4' : 'ipv6');
    if (!allowed) {
      log.warn({ address: socket.remoteAddress }, 'FastAGI connection refused: address not allowed');
      socket.destroy();
      return;
    }
    if (sessions.size >= opts.maxSessions) {
      log.warn({ address, maxSessions: opts.maxSessions }, 'FastAGI connection refused: too many sessions');
      socket.destroy();
      return;
    }
    const done = runSession(socket, address).catch((err: unknown) => log.error({ err }, 'FastAGI session failed'));
    sessions.set(socket, done);
    void done.finally(() => sessions.delete(socket));
  });
  server.on('error', (err) => log.error({ err }, 'FastAGI server error'));

  async function runSession(socket: net.Socket, address: string): Promise<void> {
    const socketClosed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    let session: AgiSession | undefined;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        log.warn({ address, channel: session?.channel, sessionTimeoutMs: opts.sessionTimeoutMs }, 'FastAGI session timed out; closing it');
        if (session) session.destroy(new AgiTimeoutError('session', opts.sessionTimeoutMs));
        else socket.destroy();
        resolve('timeout');
      }, opts.sessionTimeoutMs);
    });
    try {
      try {
        session = await AgiSession.accept(socket, {
          envTimeoutMs: opts.envTimeoutMs,
          commandTimeoutMs: opts.commandTimeoutMs,
          logger: log.child({ address }),
        });
      } catch (err) {
        log.warn({ err, address }, 'FastAGI connection without an AGI environment; closed');
        socket.destroy();
        return;
      }
      const s = session;
      const slog = log.child({ channel: s.channel, script: s.script });
      const handled = Promise.resolve()
        .then(() => opts.handler(s, slog, address))
        .catch((err: unknown) => {
          if (err instanceof AgiHangupError) slog.info({ err }, 'FastAGI flow ended: caller hung up');
          else if (err instanceof AgiClosedError) slog.info({ err }, 'FastAGI flow ended: connection closed');
          else slog.error({ err }, 'FastAGI flow failed');
        });
      if ((await Promise.race([handled, timedOut])) === 'timeout') {
        slog.warn('FastAGI handler still running after the session timeout');
        return;
      }
      await s.close();
    } finally {
      clearTimeout(timer);
      await socketClosed;
    }
  }

  return {
    listen() {
      return new Promise<number>((resolve, reject) => {
        const onError = (err: Error) => reject(err);
        server.once('error', onError);
        server.listen({ host: opts.host, port: opts.port, backlog: opts.backlog ?? 511 }, () => {
          server.off('error', onError);
          const port = (server.address() as net.AddressInfo).port;
          log.info({ host: opts.host, port }, 'FastAGI server listening');
          resolve(port);
        });
      });
    },

    async close(graceMs: number) {
      closing = true;
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      const all = Promise.all(sessions.values());
      await within(all, graceMs);
      if (sessions.size > 0) {
        log.warn({ sessions: sessions.size }, 'FastAGI close: dropping sessions still running');
        for (const socket of sessions.keys()) socket.destroy();
        await within(all, DROP_WAIT_MS); // their commands now reject: let the flows wind down
        sessions.clear();
      }
      await serverClosed;
    },

    activeSessions: () => sessions.size,
  };
}

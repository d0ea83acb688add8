/** manager.c sessions over real TCP: the listening socket, the greeting, the auth timeout, reading and writing. */
import net from 'node:net';
import { ALL_EVENTS, AMI_GREETING, type Message, MessageReader, response } from './protocol.js';

export interface Session {
  socket: net.Socket;
  sessionId: string;
  reader: MessageReader;
  authenticated: boolean;
  sendEvents: number;
  /** No more input is processed (Logoff, failed login, dropped). */
  done: boolean;
  authTimer: NodeJS.Timeout | undefined;
  /** While set, what is written to this session is kept here instead (`gather`). */
  gathered?: string[] | undefined;
}

export interface SessionsOptions {
  host: string;
  port: number;
  /** Read at each connection: it can be changed on a running simulator. */
  authTimeoutMs: () => number;
  onMessage: (s: Session, m: Message) => void;
}

export class Sessions {
  readonly host: string;
  private listenPort: number;
  private server: net.Server;
  private readonly all = new Set<Session>();
  private seq = 0;
  private closed = false;

  constructor(private readonly opts: SessionsOptions) {
    this.host = opts.host;
    this.listenPort = opts.port;
    this.server = this.createServer();
  }

  get port(): number {
    return this.listenPort;
  }

  get count(): number {
    return this.all.size;
  }

  listen(): Promise<void> {
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

  /** The port refuses connections for downMs, then listens again on the same port. */
  async goDown(downMs: number): Promise<void> {
    if (this.closed) return;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await new Promise((resolve) => setTimeout(resolve, downMs));
    if (this.closed) return;
    this.server = this.createServer();
    await this.listen();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.dropAll();
    await new Promise<void>((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
    });
  }

  /** Destroy every client socket (like a network cut). */
  dropAll(): void {
    for (const s of [...this.all]) this.kill(s);
  }

  /** Every logged-in session whose event mask wants this category. */
  broadcast(flag: number, text: string): void {
    for (const s of this.all) {
      if (s.authenticated && !s.done && (s.sendEvents & flag) === flag) this.write(s, text);
    }
  }

  /** Runs `fn` and returns what it wrote to `s` (to other sessions it writes as usual). */
  gather(s: Session, fn: () => void): string {
    const into: string[] = [];
    s.gathered = into;
    try {
      fn();
    } finally {
      s.gathered = undefined;
    }
    return into.join('');
  }

  write(s: Session, text: string): void {
    if (s.gathered) {
      s.gathered.push(text);
      return;
    }
    if (!s.socket.destroyed && s.socket.writable) s.socket.write(text);
  }

  /** Gone without a word, like a crash or a cut cable. */
  kill(s: Session): void {
    s.done = true;
    clearTimeout(s.authTimer);
    this.all.delete(s);
    s.socket.destroy();
  }

  /** Closed after what was written, like Logoff. */
  hangUp(s: Session): void {
    s.done = true;
    clearTimeout(s.authTimer);
    s.socket.end();
  }

  private createServer(): net.Server {
    const server = net.createServer((socket) => this.accept(socket));
    server.on('error', () => {
      /* a listening server only errors on listen(); never crash the process */
    });
    return server;
  }

  private accept(socket: net.Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    const id = ++this.seq;
    const s: Session = {
      socket,
      sessionId: `0x${(0x55e75be70000 + id * 0x1c0).toString(16)}`,
      reader: new MessageReader(),
      authenticated: false,
      sendEvents: -1 & ALL_EVENTS,
      done: false,
      authTimer: undefined,
    };
    this.all.add(s);
    socket.setNoDelay(true);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(s, chunk));
    socket.on('error', () => {
      /* ECONNRESET and friends: the 'close' handler cleans up */
    });
    socket.on('close', () => {
      clearTimeout(s.authTimer);
      this.all.delete(s);
    });
    const authTimeoutMs = this.opts.authTimeoutMs();
    if (authTimeoutMs > 0) {
      s.authTimer = setTimeout(() => {
        if (!s.authenticated) this.kill(s);
      }, authTimeoutMs);
      s.authTimer.unref();
    }
    this.write(s, AMI_GREETING);
  }

  private onData(s: Session, chunk: string): void {
    if (s.done) return;
    s.reader.push(
      chunk,
      () => s.done,
      (msg) => {
        try {
          this.opts.onMessage(s, msg);
        } catch {
          // A simulator bug must not take the process down; answer like Asterisk would to garbage.
          this.write(s, response(msg, 'Error', 'Internal simulator error'));
        }
      },
    );
  }
}

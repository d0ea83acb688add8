import net from 'node:net';

type Direction = 'toServer' | 'toClient';

interface Rule {
  direction: Direction;
  match: string;
  /** hold: keep the matching chunk and all after it (TCP keeps order) until released; cut: forward it, then drop the client as the answer comes. */
  action: 'hold' | 'cut';
  ms: number | undefined;
  fired: () => void;
}

interface Gate {
  held: Buffer[] | undefined;
}

interface Link {
  client: net.Socket;
  server: net.Socket;
  gates: Record<Direction, Gate>;
  cutOnAnswer: boolean;
  clientGone: boolean;
  lateUntil: number;
}

/**
 * A TCP proxy on 127.0.0.1 that can hold bytes (a slow Asterisk, an answer that comes late, an
 * action that reaches Asterisk only after its sender died) or cut a connection right after the
 * server answered (a commit whose answer is lost). Rules match on the text of a chunk and fire once.
 */
export class TcpProxy {
  private readonly links = new Set<Link>();
  private readonly rules: Rule[] = [];
  private readonly releases = new Set<() => void>();
  /** Every chunk towards the client is delivered this much later (a slow Asterisk); order is kept. */
  latencyMs: number | (() => number) = 0;

  private constructor(private readonly server: net.Server, readonly port: number) {}

  static async start(targetPort: number, listenPort = 0): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = net.createServer((client) => proxy?.accept(client, targetPort));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listenPort, '127.0.0.1', () => resolve());
    });
    proxy = new TcpProxy(server, (server.address() as net.AddressInfo).port);
    return proxy;
  }

  /**
   * Holds the next chunk going `direction` that contains `match`, and everything after it on that
   * connection, for `ms` (or until `releaseAll`). Resolves when it matched.
   */
  hold(direction: Direction, match: string, ms?: number): Promise<void> {
    return new Promise((resolve) => this.rules.push({ direction, match, action: 'hold', ms, fired: resolve }));
  }

  /** Forwards the next request containing `match`, then closes the client as the server's answer comes (the answer is lost). */
  cutAfter(match: string): Promise<void> {
    return new Promise((resolve) => this.rules.push({ direction: 'toServer', match, action: 'cut', ms: undefined, fired: resolve }));
  }

  /** Resolves once nothing is held any more (every hold released). */
  async drained(): Promise<void> {
    while (this.releases.size > 0) await new Promise((r) => setTimeout(r, 10));
  }

  releaseAll(): void {
    for (const release of [...this.releases]) release();
  }

  async close(): Promise<void> {
    this.rules.length = 0;
    for (const l of this.links) {
      l.client.destroy();
      l.server.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket, targetPort: number): void {
    const server = net.connect(targetPort, '127.0.0.1');
    const link: Link = { client, server, gates: { toServer: { held: undefined }, toClient: { held: undefined } }, cutOnAnswer: false, clientGone: false, lateUntil: 0 };
    this.links.add(link);
    client.on('data', (chunk) => this.pass(link, 'toServer', chunk));
    server.on('data', (chunk) => {
      if (link.cutOnAnswer) {
        link.cutOnAnswer = false;
        client.destroy();
        return;
      }
      const delay = typeof this.latencyMs === 'function' ? this.latencyMs() : this.latencyMs;
      if (delay <= 0 && link.lateUntil <= performance.now()) return this.pass(link, 'toClient', chunk);
      // later chunks never overtake earlier ones
      link.lateUntil = Math.max(link.lateUntil, performance.now() + delay);
      setTimeout(() => this.pass(link, 'toClient', chunk), link.lateUntil - performance.now());
    });
    const gone = () => {
      this.links.delete(link);
      client.destroy();
      server.destroy();
    };
    client.on('error', () => undefined);
    server.on('error', () => undefined);
    // What the client sent before it died may still be held: it reaches the server once released.
    client.on('close', () => {
      link.clientGone = true;
      if (!link.gates.toServer.held) server.end();
    });
    server.on('close', gone);
  }

  private pass(link: Link, direction: Direction, chunk: Buffer): void {
    const gate = link.gates[direction];
    if (gate.held) {
      gate.held.push(chunk);
      return;
    }
    const text = chunk.toString('latin1');
    const i = this.rules.findIndex((r) => r.direction === direction && text.includes(r.match));
    const rule = i >= 0 ? this.rules.splice(i, 1)[0] : undefined;
    if (rule?.action === 'hold') {
      gate.held = [chunk];
      const release = () => {
        this.releases.delete(release);
        const held = gate.held ?? [];
        gate.held = undefined;
        const to = direction === 'toServer' ? link.server : link.client;
        for (const c of held) if (!to.destroyed) to.write(c);
        if (direction === 'toServer' && link.clientGone) link.server.end();
      };
      this.releases.add(release);
      if (rule.ms !== undefined) setTimeout(release, rule.ms);
      rule.fired();
      return;
    }
    if (rule?.action === 'cut') {
      link.cutOnAnswer = true;
      rule.fired();
    }
    const to = direction === 'toServer' ? link.server : link.client;
    if (!to.destroyed) to.write(chunk);
  }
}

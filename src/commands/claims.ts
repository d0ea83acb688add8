import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * This process's side of the in-doubt registry: its holder name in `intents`, the AMI timeout its
 * deadlines are built from, one command at a time per agent (so commands that would only wait on
 * each other's claim in Postgres wait here instead), and the member interfaces whose intent it
 * holds right now: an Asterisk event on one of those is the echo of our own action, which the
 * action's settle records.
 */
export class Claims {
  readonly holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly chains = new Map<string, Promise<void>>();
  private readonly held = new Map<string, number>();

  constructor(readonly timeoutMs: number) {}

  serial<T>(agent: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.chains.get(agent) ?? Promise.resolve()).then(fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.chains.set(agent, tail);
    void tail.then(() => {
      if (this.chains.get(agent) === tail) this.chains.delete(agent);
    });
    return run;
  }

  hold(iface: string): void {
    this.held.set(iface, (this.held.get(iface) ?? 0) + 1);
  }

  unhold(iface: string): void {
    const n = (this.held.get(iface) ?? 1) - 1;
    if (n <= 0) this.held.delete(iface);
    else this.held.set(iface, n);
  }

  holds(iface: string): boolean {
    return this.held.has(iface);
  }
}

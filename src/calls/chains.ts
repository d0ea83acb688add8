import type { Logger } from 'pino';

/**
 * The call board's work in the background: steps chained per key (a member's announcements, a
 * leg's write) so each key's run in order, timers, and pauses between tries; `stop` clears the
 * timers and cuts the pauses short (a write then has one last try).
 */
export class Chains {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly pauses = new Set<() => void>();
  private stopped = false;

  constructor(private readonly log: Logger) {}

  chain(key: string, step: () => Promise<void>): void {
    const next = (this.chains.get(key) ?? Promise.resolve()).then(step).catch((err: Error) => {
      this.log.warn({ err: err.message }, 'queue call update failed');
    });
    this.chains.set(key, next);
    void next.then(() => {
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
  }

  /** Resolves when every step under way is done (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.chains.size) await Promise.all(this.chains.values());
  }

  pause(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.pauses.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.pauses.add(wake);
    });
  }

  later(ms: number, fn: () => void): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    t.unref();
    this.timers.add(t);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const wake of [...this.pauses]) wake();
  }
}

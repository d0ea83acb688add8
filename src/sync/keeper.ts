import type { SentAction } from '../ami/pbx.js';
import type { Deps } from '../commands/deps.js';
import { applyMemberEvent } from './events.js';
import { type ResyncReport, type Uncertain, memberKey, resync } from './resync.js';

/**
 * Keeps the database true to Asterisk: a resync on every AMI (re)connect and after any action whose
 * answer never came, and every membership event applied in arrival order.
 */
export class Keeper {
  private readonly unanswered: Uncertain = { adds: new Set<string>(), pauses: new Set<string>() };
  private running: Promise<void> | undefined;
  private again = false;
  private retry: NodeJS.Timeout | undefined;
  private eventChain: Promise<void> = Promise.resolve();
  private stopped = false;
  last: ResyncReport | undefined;
  lastAt: string | undefined;
  lastError: string | undefined;

  constructor(private readonly deps: Deps, private readonly retryMs = 2000) {}

  /** Wire to the Pbx and to the command engine's `onUncertain`. */
  attach(): void {
    this.deps.pbx.on('connected', () => this.request());
    this.deps.pbx.on('uncertain', this.uncertain);
    this.deps.pbx.on('member', (ev) => {
      // Our own action's echo: its transaction recorded it (or reversed it, which has its own echo).
      if (ev.own) return;
      this.eventChain = this.eventChain
        .then(() => applyMemberEvent(this.deps, ev))
        .catch((err: Error) => {
          this.deps.log.warn({ err: err.message, event: ev.kind, queue: ev.member.queue }, 'could not apply an Asterisk event; resync will');
          this.request();
        });
    });
  }

  uncertain = (sent: SentAction): void => {
    if (sent.action === 'QueueAdd' && sent.queue && sent.interface) this.unanswered.adds.add(memberKey(sent.queue, sent.interface));
    if (sent.action === 'QueuePause' && sent.interface) this.unanswered.pauses.add(sent.interface);
    this.request();
  };

  /** Runs a resync soon; requests made while one runs fold into one more run after it. */
  request(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.retry);
    this.running = this.runOnce().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.request();
      }
    });
  }

  /** Resolves when no resync is running or queued (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
    await this.eventChain;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
  }

  private async runOnce(): Promise<void> {
    if (!this.deps.pbx.isConnected()) return; // the next `connected` brings us back
    try {
      const report = await resync(this.deps, this.unanswered);
      if (report) {
        this.last = report;
        this.lastAt = new Date().toISOString();
        this.lastError = undefined;
      } else {
        this.schedule(); // another instance holds the lease: look again shortly
      }
    } catch (err) {
      this.lastError = (err as Error).message;
      this.deps.log.warn({ err: this.lastError }, 'resync failed; will retry');
      this.schedule();
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => this.request(), this.retryMs);
    this.retry.unref();
  }
}

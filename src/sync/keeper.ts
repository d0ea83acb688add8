import type { Deps } from '../commands/deps.js';
import { settleInDoubt } from '../commands/in-doubt.js';
import { expiredIntents, nextDeadlineMs } from '../commands/intents.js';
import { applyMemberEvent } from './events.js';
import { type ResyncReport, type SyncSource, resync } from './resync.js';

type Job = SyncSource | 'settle';

/**
 * Keeps the record true to Asterisk: a resync on every AMI (re)connect, a reconcile every
 * `reconcileMs`, in-doubt intents settled as soon as they are due, and every membership event
 * applied (in arrival order per member).
 */
export class Keeper {
  private running: Promise<void> | undefined;
  private readonly wanted = new Set<Job>();
  private retry: NodeJS.Timeout | undefined;
  private dueTimer: NodeJS.Timeout | undefined;
  private periodic: NodeJS.Timeout | undefined;
  private readonly chains = new Map<string, Promise<void>>();
  private stopped = false;
  last: ResyncReport | undefined;
  lastAt: string | undefined;
  lastError: string | undefined;

  constructor(
    private readonly deps: Deps,
    private readonly opts: {
      reconcileMs?: number;
      retryMs?: number;
      /** Told what each resync or reconcile run of this instance corrected (metrics). */
      onResync?: (source: SyncSource, report: ResyncReport) => void;
    } = {},
  ) {}

  /** Wires to the Pbx and to the commands' `onInDoubt`. */
  attach(): void {
    this.deps.onInDoubt = () => this.request('settle');
    this.deps.pbx.on('connected', () => this.request('resync'));
    this.deps.pbx.on('member', (ev) => {
      // Our own action's echo while we hold its intent: its settle records it.
      if (this.deps.claims.holds(ev.member.interface)) return;
      const key = ev.member.interface;
      const next = (this.chains.get(key) ?? Promise.resolve())
        .then(() => applyMemberEvent(this.deps, ev))
        .catch((err: Error) => {
          this.deps.log.warn({ err: err.message, event: ev.kind, queue: ev.member.queue }, 'could not apply an Asterisk event; the reconcile will');
        });
      this.chains.set(key, next);
      void next.then(() => {
        if (this.chains.get(key) === next) this.chains.delete(key);
      });
    });
    const every = this.opts.reconcileMs ?? 60_000;
    if (every > 0) {
      this.periodic = setInterval(() => this.request('reconcile'), every);
      this.periodic.unref();
    }
  }

  /** Runs soon; requests made while a run is on fold into one more run after it. */
  request(job: Job = 'resync'): void {
    if (this.stopped) return;
    this.wanted.add(job);
    if (this.running) return;
    clearTimeout(this.retry);
    this.running = this.runOnce().finally(() => {
      this.running = undefined;
      if (this.wanted.size) this.request([...this.wanted][0] as Job);
    });
  }

  /** Resolves when nothing is running or queued (tests, shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      if (this.running) await this.running;
      else if (this.chains.size) await Promise.all(this.chains.values());
      else return;
    }
  }

  /**
   * Processes that are gone had their intents made due and their lease freed (`Presence`): settle
   * now rather than at the deadlines; a freed lease was an unfinished run, owed in full.
   */
  tookOver(t: { intents: number; lease: boolean }): void {
    if (t.lease) this.request('resync');
    else if (t.intents) this.request('settle');
  }

  stop(): void {
    this.stopped = true;
    this.wanted.clear();
    clearTimeout(this.retry);
    clearTimeout(this.dueTimer);
    clearInterval(this.periodic);
  }

  private async runOnce(): Promise<void> {
    if (!this.deps.pbx.isConnected()) {
      // The next `connected` brings a resync, which settles what is in doubt too. (Keeping a job
      // wanted here would run this again at once, forever, and starve the reconnect.)
      this.wanted.clear();
      return;
    }
    const job: Job = this.wanted.has('resync') ? 'resync' : this.wanted.has('reconcile') ? 'reconcile' : 'settle';
    this.wanted.delete(job);
    if (job !== 'settle') this.wanted.delete('settle');
    try {
      if (job === 'settle') {
        for (const id of await expiredIntents(this.deps.db)) await settleInDoubt(this.deps, id);
      } else {
        const report = await resync(this.deps, job);
        if (report) {
          this.opts.onResync?.(job, report);
          this.last = report;
          this.lastAt = new Date().toISOString();
          this.lastError = undefined;
        } else {
          // Another instance holds the lease (or held it when it died): look again shortly. In-doubt
          // intents need no lease; they are settled meanwhile.
          this.schedule(job);
          for (const id of await expiredIntents(this.deps.db)) await settleInDoubt(this.deps, id);
        }
      }
      await this.watchDeadlines();
    } catch (err) {
      this.lastError = (err as Error).message;
      this.deps.log.warn({ err: this.lastError, job }, 'sync failed; will retry');
      this.schedule(job);
    }
  }

  /** Intents still running may be left by a process that died: look again when the first is due. */
  private async watchDeadlines(): Promise<void> {
    const ms = await nextDeadlineMs(this.deps.db);
    clearTimeout(this.dueTimer);
    if (ms === undefined || this.stopped) return;
    this.dueTimer = setTimeout(() => this.request('settle'), ms + 50);
    this.dueTimer.unref();
  }

  private schedule(job: Job): void {
    if (this.stopped) return;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => this.request(job), this.opts.retryMs ?? 2000);
    this.retry.unref();
  }
}

import type { MemberEvent } from '../ami/pbx.js';
import type { Deps } from '../commands/deps.js';
import { settleInDoubt } from '../commands/in-doubt.js';
import { expiredIntents, nextDeadlineMs } from '../commands/intents.js';
import { applyMemberEvent } from './events.js';
import { type ResyncReport, type SyncSource, resync } from './resync.js';

type Job = SyncSource | 'settle';

interface KeeperOptions {
  reconcileMs?: number;
  retryMs?: number;
  /** Told what each resync or reconcile run of this instance corrected (metrics). */
  onResync?: (source: SyncSource, report: ResyncReport, pbx: string) => void;
}

/**
 * Keeps the record true to Asterisk, each PBX on its own (CONTRACT §9: a slow or unreachable PBX
 * never holds back another's): a resync on every AMI (re)connect of a PBX, a reconcile of each
 * every `reconcileMs` (provisioning read again first), in-doubt intents settled as soon as they are
 * due (by the PBX they acted on), and every membership event applied (in arrival order per member).
 */
export class Keeper {
  private readonly runners = new Map<string, PbxJobs>();
  private dueTimer: NodeJS.Timeout | undefined;
  private periodic: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private readonly chains = new Map<string, Promise<void>>();
  stopped = false;
  /** The last run of any PBX that completed (and its time), or the last failure since. */
  last: ResyncReport | undefined;
  lastAt: string | undefined;
  lastError: string | undefined;

  constructor(
    readonly deps: Deps,
    readonly opts: KeeperOptions = {},
  ) {}

  /** Wires to the PBXs and to the commands' `onInDoubt`. */
  attach(): void {
    const { pbxes } = this.deps;
    this.deps.onInDoubt = () => this.request('settle');
    pbxes.on('connected', (name) => this.request('resync', name));
    pbxes.on('member', (name, ev) => this.onMember(name, ev));
    const every = this.opts.reconcileMs ?? 60_000;
    if (every > 0) {
      this.periodic = setInterval(() => this.request('reconcile'), every);
      this.periodic.unref();
    }
  }

  private onMember(pbx: string, ev: MemberEvent): void {
    // Our own action's echo while we hold its intent: its settle records it.
    if (this.deps.claims.holds(ev.member.interface)) return;
    const key = ev.member.interface;
    const next = (this.chains.get(key) ?? Promise.resolve())
      .then(() => applyMemberEvent(this.deps, pbx, ev))
      .catch((err: Error) => {
        this.deps.log.warn({ err: err.message, pbx, event: ev.kind, queue: ev.member.queue }, 'could not apply an Asterisk event; the reconcile will');
      });
    this.chains.set(key, next);
    void next.then(() => {
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
  }

  /**
   * Runs soon on `pbx` (every PBX without it); requests made while a run is on fold into one more
   * run after it. A reconcile of every PBX reads provisioning again first (PBXs and queues added,
   * moved or removed).
   */
  request(job: Job = 'resync', pbx?: string): void {
    if (this.stopped) return;
    if (pbx !== undefined) return this.runner(pbx).request(job);
    if (job !== 'reconcile') {
      for (const name of this.deps.pbxes.names()) this.runner(name).request(job);
      return;
    }
    const refreshed = this.deps.pbxes.refresh(this.deps.db).catch((err: Error) => this.deps.log.warn({ err: err.message }, 'could not read the PBXs of provisioning again'));
    const all: Promise<void> = refreshed.then(() => {
      if (this.refreshing === all) this.refreshing = undefined;
      if (!this.stopped) for (const name of this.deps.pbxes.names()) this.runner(name).request(job);
    });
    this.refreshing = all;
  }

  private runner(name: string): PbxJobs {
    let r = this.runners.get(name);
    if (!r) {
      r = new PbxJobs(this, name);
      this.runners.set(name, r);
    }
    return r;
  }

  /** Resolves when nothing is running or queued (tests, shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      const running = [...this.runners.values()].flatMap((r) => (r.running ? [r.running] : []));
      if (this.refreshing) await this.refreshing;
      else if (running.length) await Promise.all(running);
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
    for (const r of this.runners.values()) r.stop();
    clearTimeout(this.dueTimer);
    clearInterval(this.periodic);
  }

  /** Intents still running may be left by a process that died: look again when the first is due. */
  async watchDeadlines(): Promise<void> {
    const ms = await nextDeadlineMs(this.deps.db);
    clearTimeout(this.dueTimer);
    if (ms === undefined || this.stopped) return;
    this.dueTimer = setTimeout(() => this.request('settle'), ms + 50);
    this.dueTimer.unref();
  }
}

/** One PBX's jobs: one run at a time, the others wanted fold into the next. */
class PbxJobs {
  running: Promise<void> | undefined;
  private readonly wanted = new Set<Job>();
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly keeper: Keeper,
    private readonly name: string,
  ) {}

  request(job: Job): void {
    if (this.keeper.stopped) return;
    this.wanted.add(job);
    if (this.running) return;
    clearTimeout(this.retry);
    this.running = this.runOnce().finally(() => {
      this.running = undefined;
      if (this.wanted.size) this.request([...this.wanted][0] as Job);
    });
  }

  stop(): void {
    this.wanted.clear();
    clearTimeout(this.retry);
  }

  private async runOnce(): Promise<void> {
    const { deps, opts } = this.keeper;
    if (!deps.pbxes.isUp(this.name)) {
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
        for (const id of await expiredIntents(deps.db, this.name)) await settleInDoubt(deps, id);
      } else {
        const report = await resync(deps, job, this.name);
        if (report) {
          opts.onResync?.(job, report, this.name);
          this.keeper.last = report;
          this.keeper.lastAt = new Date().toISOString();
          this.keeper.lastError = undefined;
        } else {
          // Another instance holds the lease (or held it when it died): look again shortly. In-doubt
          // intents need no lease; they are settled meanwhile.
          this.schedule(job);
          for (const id of await expiredIntents(deps.db, this.name)) await settleInDoubt(deps, id);
        }
      }
      await this.keeper.watchDeadlines();
    } catch (err) {
      this.keeper.lastError = (err as Error).message;
      deps.log.warn({ err: this.keeper.lastError, pbx: this.name, job }, 'sync failed; will retry');
      this.schedule(job);
    }
  }

  private schedule(job: Job): void {
    if (this.keeper.stopped) return;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => this.request(job), this.keeper.opts.retryMs ?? 2000);
    this.retry.unref();
  }
}

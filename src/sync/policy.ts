import { type Clock, clockNow, databaseClock } from '../clock.js';
import type { Deps } from '../commands/deps.js';
import { messageOf } from '../commands/outcomes.js';
import { unpause } from '../commands/pause.js';
import { nextOverdueAt, overrunsToEnd } from './overdue.js';
import { Coalesced } from '../coalesce.js';
import { recordOverdue } from './record-overdue.js';
import { inLanes } from './lanes.js';

export interface PolicyOptions {
  /** The database's clock and the job's timers. */
  clock?: Clock;
  /** The safety net: how often it looks even when no pause is due (a pause made on another instance). */
  tickMs?: number;
}

/**
 * The pause rules' job, beside the keeper's: wakes when the earliest pause becomes overdue (and at
 * least every `tickMs`), records each overdue pause once (`recordOverdue`: claim → settle, nothing
 * asked of Asterisk), and ends those whose reason says `on_overrun: unpause` through the same unpause
 * command as everyone else (claim → act → settle, source `policy`), for that pause only. Several
 * instances may run it: the record and the claims make every effect happen once; nothing of it is
 * kept in memory but the next wake-up.
 *
 * The tick is shorter than the shortest limit (a minute), so a pause begun anywhere is seen before
 * it is due and its wake-up is exact; an unpause that failed (Asterisk away) is tried again at the
 * next tick.
 */
export class PausePolicy {
  private readonly clock: Clock;
  private readonly tickMs: number;
  private timer: unknown;
  /** Each run sets its own next wake-up. */
  private readonly job = new Coalesced(() => this.runOnce());

  constructor(
    private readonly deps: Deps,
    opts: PolicyOptions = {},
  ) {
    this.clock = opts.clock ?? databaseClock;
    this.tickMs = opts.tickMs ?? 30_000;
  }

  /** Looks now, and again whenever a PBX's AMI (re)connects (an unpause may have waited for it). */
  attach(): void {
    this.deps.pbxes.on('connected', this.onConnected);
    this.request();
  }

  private readonly onConnected = () => this.request();

  /** Looks now; runs asked for while one is on fold into one more after it. */
  request(): void {
    this.job.request();
  }

  /** Resolves when no run is on (tests, shutdown). */
  idle(): Promise<void> {
    return this.job.idle();
  }

  stop(): void {
    this.job.stop();
    this.deps.pbxes.off('connected', this.onConnected);
    this.clock.clearTimeout(this.timer);
  }

  private async runOnce(): Promise<void> {
    const { db, log, pbxes } = this.deps;
    let wakeMs = this.tickMs;
    try {
      // Judged by the database's clock, as `since` was stamped: a host whose clock is off judges the same.
      const at = await clockNow(db, this.clock);
      const read = performance.now() + this.clock.offsetMs();
      for (const o of await recordOverdue(this.deps, at)) log.info({ agent: o.agent, reason: o.reason, detail: o.detail }, 'pause overdue');
      // an agent whose PBX is down answers PBX unavailable and is tried again at the next tick
      if (pbxes.anyUp()) {
        await inLanes(this.deps, await overrunsToEnd(db, at), async (o) => {
          if (this.job.isStopped) return;
          const result = await unpause(this.deps, { agent: o.agent, source: 'policy', only: { since: o.since } });
          if (result.kind === 'unpauseOk') log.info({ agent: o.agent }, 'overdue pause ended by its rule');
          else if (result.kind !== 'agentAlreadyAvailable' && result.kind !== 'agentNotLogged') {
            log.warn({ agent: o.agent, answer: messageOf(result) }, 'could not end an overdue pause; trying again at the next tick');
          }
        });
      }
      const next = await nextOverdueAt(db, at);
      // a little after the instant (less the clock's time since `at` was read), so that the run it starts finds the pause due
      const passed = performance.now() + this.clock.offsetMs() - read;
      if (next) wakeMs = Math.min(wakeMs, Math.max(0, next.getTime() - at.getTime() - passed) + 5);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'pause rules: could not look at the pauses; trying again at the next tick');
    }
    if (this.job.isStopped) return;
    this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => this.request(), wakeMs);
  }
}

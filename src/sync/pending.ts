import { clockNow, databaseClock } from '../clock.js';
import type { Deps } from '../commands/deps.js';
import { deny } from '../commands/approval.js';
import { dropPending, floorShort, pendingQueue } from '../commands/floor.js';
import type { Source } from '../commands/input.js';
import { messageOf } from '../commands/outcomes.js';
import { pause } from '../commands/pause.js';
import { Coalesced } from '../coalesce.js';
import { inLanes } from './lanes.js';

export interface PendingOptions {
  /** How often it looks (CONTRACT §10: a queued pause starts within 1 s of the change that allows it). */
  tickMs?: number;
}

/**
 * The waiting pauses' job (CONTRACT §10), beside the keeper and the pause rules, on every instance:
 * - a pause queued under a queue's floor is taken, oldest first, as soon as it fits, whatever made
 *   the room (an unpause or a login here or on another instance, the phone, Asterisk's own events):
 *   through the same pause command as everyone else, for the agent who asked (its source and actor);
 *   one whose agent has left (or paused meanwhile) is dropped;
 * - a request for a yes left unanswered past its reason's `approval_timeout_s` is denied (source
 *   and actor `policy`).
 * It looks every `tickMs` while anything waits (one small read of `pending_pauses` when nothing
 * does), and at once when asked (`request`). Nothing is kept in memory: the table is the queue, so
 * a restart, or another instance, carries on from it; the claims make each pause happen once.
 */
export class PendingPauses {
  private readonly tickMs: number;
  private timer: NodeJS.Timeout | undefined;
  private readonly job = new Coalesced(
    () => this.runOnce(),
    () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.request(), this.tickMs);
      this.timer.unref?.();
    },
  );

  constructor(
    private readonly deps: Deps,
    opts: PendingOptions = {},
  ) {
    this.tickMs = opts.tickMs ?? 250;
  }

  start(): void {
    this.request();
  }

  /** Looks now; asks made while a look is on fold into one more after it. */
  request(): void {
    this.job.request();
  }

  idle(): Promise<void> {
    return this.job.idle();
  }

  stop(): void {
    this.job.stop();
    clearTimeout(this.timer);
  }

  private async runOnce(): Promise<void> {
    const { db, log, pbxes } = this.deps;
    try {
      const rows = await pendingQueue(db);
      if (!rows.length) return;
      const at = (await clockNow(db, databaseClock)).getTime();
      await inLanes(this.deps, rows, async (row) => {
        if (this.job.isStopped) return;
        if (row.kind === 'approval') {
          if (row.expires_at && row.expires_at.getTime() <= at) {
            const result = await deny(this.deps, { agent: row.agent, source: 'policy', actor: 'policy', expired: true });
            if (result.kind === 'pauseDenied') log.info({ agent: row.agent, reason: row.reason }, 'a pause request went unanswered; denied');
          }
          return;
        }
        if (!pbxes.anyUp()) return;
        // Only a look: the pause itself decides again, under its claim and the queues' locks.
        if ((await floorShort(db, row.agent, null, true)).length) return;
        const result = await pause(this.deps, { agent: row.agent, reason: row.reason, source: row.source as Source, actor: row.actor, queued: true });
        if (result.kind === 'pauseOk') log.info({ agent: row.agent, reason: row.reason }, 'a queued pause began');
        else if (result.kind === 'agentNotLogged' || result.kind === 'agentAlreadyPaused') await dropPending(db, row.agent, 'floor');
        else if (result.kind !== 'pauseNotAllowed') log.warn({ agent: row.agent, answer: messageOf(result) }, 'could not take a queued pause; trying again');
      });
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'waiting pauses: could not look at them; trying again');
    }
  }
}

import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { type Clock, databaseClock } from '../clock.js';
import { Coalesced } from '../coalesce.js';
import { type Backoff, DEFAULT_BACKOFF, retryDelayMs } from './backoff.js';
import { type Taken, forgetFinished, giveBack, markDelivered, markFailed, takeDue } from './outbox.js';
import { deliveryBody } from './payload.js';
import { type PostResult, postDelivery } from './post.js';
import { displayUrl } from './url.js';

/** Told of every attempt's end (metrics). */
export interface DeliveryObserver {
  attempt(outcome: 'delivered' | 'retry' | 'failed'): void;
  /** Seconds from the event to its delivery. */
  delivered(seconds: number): void;
}

export interface WorkerOptions {
  /** This worker's name in the leases it holds (unique per process by default). */
  holder?: string;
  /** How long one POST may take. */
  timeoutMs?: number;
  /** POSTs in flight at once in this process. */
  concurrency?: number;
  /** How often the outbox is looked at for new rows and retries that came due. */
  pollMs?: number;
  backoff?: Backoff;
  /** Time (retries, leases, the 24 h) and the worker's timers. */
  clock?: Clock;
  /** A lease outlives the POST's timeout by this much (the statement that ends it included). */
  leaseMarginMs?: number;
  /** How long finished deliveries stay visible. */
  keepDeliveredMs?: number;
  keepFailedMs?: number;
}

/**
 * Sends the outbox (docs/http-api.md, "Webhooks"): at least once, in order per agent and webhook, from any
 * number of instances. A delivery is taken under a lease in one statement, posted with no database
 * connection held, and its outcome recorded in another statement that applies only while the lease
 * is still this worker's. A worker that dies leaves leases that run out; another takes them up.
 * Commands never wait for it: it only reads and writes the outbox, in its own time.
 */
export class WebhookWorker {
  readonly holder: string;
  private readonly o: Required<Omit<WorkerOptions, 'holder'>>;
  private readonly inFlight = new Map<number, Promise<void>>();
  private readonly stopper = new AbortController();
  private timer: unknown;
  private forgetTimer: unknown;
  private forgetting: Promise<void> | undefined;
  /** One look at the outbox at a time; then the next poll. */
  private readonly job = new Coalesced(
    () => {
      this.o.clock.clearTimeout(this.timer);
      return this.tick();
    },
    () => {
      this.timer = this.o.clock.setTimeout(() => this.wake(), this.o.pollMs);
    },
  );
  private stopped = false;
  private lastError = '';
  /** Webhooks whose last attempt from this process failed: logged when they start and stop failing. */
  private readonly failing = new Set<number>();

  constructor(
    private readonly deps: { db: Knex; log: Logger; observer?: DeliveryObserver },
    opts: WorkerOptions = {},
  ) {
    this.holder = opts.holder ?? `webhooks-${randomUUID()}`;
    this.o = {
      timeoutMs: 10_000,
      concurrency: 8,
      pollMs: 500,
      backoff: DEFAULT_BACKOFF,
      clock: databaseClock,
      leaseMarginMs: 2_000,
      keepDeliveredMs: 7 * 24 * 3600_000,
      keepFailedMs: 30 * 24 * 3600_000,
      ...opts,
    };
  }

  /** Starts polling, and forgetting old finished deliveries once an hour. */
  start(): void {
    this.wake();
    this.forgetHourly();
  }

  private forgetHourly(): void {
    this.forgetTimer = this.o.clock.setTimeout(() => {
      if (this.stopped) return;
      this.forgetting = this.forget().finally(() => {
        this.forgetting = undefined;
        if (!this.stopped) this.forgetHourly();
      });
    }, 3600_000);
  }

  /** Looks at the outbox now (new rows, a retry that came due, a slot that freed). */
  wake(): void {
    if (!this.stopped) this.job.request();
  }

  /** Resolves once nothing is in flight and no look at the outbox is running or asked for (tests). */
  async idle(): Promise<void> {
    for (;;) {
      if (this.job.current) await this.job.current;
      else if (this.inFlight.size) await Promise.all(this.inFlight.values());
      else return;
    }
  }

  /** Deliveries being posted now. */
  inFlightCount(): number {
    return this.inFlight.size;
  }

  /**
   * Stops taking deliveries; those being posted are abandoned and given back (another instance, or
   * the next start, sends them again with the same idempotency key: the receiver may have had them).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.job.stop();
    this.o.clock.clearTimeout(this.timer);
    this.o.clock.clearTimeout(this.forgetTimer);
    this.stopper.abort();
    await this.forgetting;
    await this.job.current;
    await Promise.all(this.inFlight.values());
  }

  private async tick(): Promise<void> {
    const free = this.o.concurrency - this.inFlight.size;
    if (free <= 0) return;
    let taken: Taken[];
    try {
      taken = await takeDue(this.deps.db, this.holder, free, this.o.timeoutMs + this.o.leaseMarginMs, this.o.clock.offsetMs());
      this.lastError = '';
    } catch (err) {
      const message = (err as Error).message;
      if (message !== this.lastError) this.deps.log.warn({ err: message }, 'webhooks: reading the outbox failed');
      this.lastError = message;
      return;
    }
    for (const t of taken) {
      const run = this.deliver(t)
        .catch((err: Error) => {
          // the outcome could not be recorded: the lease runs out and the delivery is sent again
          this.deps.log.warn({ err: err.message, delivery: t.id }, 'webhooks: recording a delivery failed');
        })
        .finally(() => {
          this.inFlight.delete(t.id);
          this.wake();
        });
      this.inFlight.set(t.id, run);
    }
  }

  private async deliver(t: Taken): Promise<void> {
    const where = { delivery: t.id, event: t.event, agent: t.agent, webhook: displayUrl(t.url), attempt: t.attempts };
    const result: PostResult =
      t.kind === null
        ? { ok: false, status: null, error: 'the event is not in the record' }
        : await postDelivery(t.url, t.secret, deliveryBody(t), { idempotencyKey: t.idempotency_key, kind: t.kind }, this.o.timeoutMs, this.stopper.signal);
    if (this.stopped && !result.ok) {
      await giveBack(this.deps.db, t.id, this.holder);
      return;
    }
    const offset = this.o.clock.offsetMs();
    if (result.ok) {
      const seconds = await markDelivered(this.deps.db, t.id, this.holder, result.status, offset);
      if (seconds === undefined) {
        this.deps.log.info(where, 'webhooks: delivered, but the lease had passed to another worker (it may send it again)');
        return;
      }
      this.deps.observer?.attempt('delivered');
      this.deps.observer?.delivered(seconds);
      this.deps.log.debug({ ...where, status: result.status }, 'webhooks: delivered');
      if (this.failing.delete(t.webhook)) this.deps.log.info({ webhook: where.webhook }, 'webhooks: the receiver answers again');
      return;
    }
    const retryMs = retryDelayMs(this.o.backoff, t.attempts);
    const after = await markFailed(this.deps.db, t.id, this.holder, { httpStatus: result.status, error: result.error }, retryMs, this.o.backoff.giveUpMs, offset);
    if (!after) return;
    if (after.status === 'failed') {
      this.deps.observer?.attempt('failed');
      this.deps.log.warn({ ...where, err: result.error }, 'webhooks: delivery given up (retried for its whole window)');
    } else {
      this.deps.observer?.attempt('retry');
      // one line when a receiver starts failing, not one per attempt through an outage
      const detail = { ...where, err: result.error, retry_ms: retryMs };
      if (this.failing.has(t.webhook)) this.deps.log.debug(detail, 'webhooks: delivery failed; will retry');
      else this.deps.log.warn(detail, 'webhooks: the receiver is failing; retrying');
      this.failing.add(t.webhook);
    }
  }

  private async forget(): Promise<void> {
    try {
      await forgetFinished(this.deps.db, this.o.keepDeliveredMs, this.o.keepFailedMs, this.o.clock.offsetMs());
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message }, 'webhooks: forgetting old deliveries failed');
    }
  }
}

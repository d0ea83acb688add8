import type { Knex } from 'knex';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { DELIVERY_STATUSES, outboxFigures } from './outbox.js';
import type { DeliveryObserver } from './worker.js';

/**
 * Webhook metrics: the outbox as the database holds it (every instance's deliveries, read at each
 * scrape; left out when the database cannot be read) and this process's attempts and latency.
 */
export class WebhookMetrics implements DeliveryObserver {
  private readonly attempts: Counter<'outcome'>;
  private readonly latency: Histogram;

  constructor(registers: Registry[], db: Knex) {
    // both gauges are read by one statement per scrape
    let reading: Promise<Awaited<ReturnType<typeof outboxFigures>> | undefined> | undefined;
    const read = () =>
      (reading ??= outboxFigures(db)
        .catch(() => undefined)
        .finally(() => setImmediate(() => (reading = undefined))));
    new Gauge({
      name: 'agentgate_webhook_deliveries',
      help: 'Webhook deliveries in the outbox by status (pending: not yet taken by the receiver; delivered and failed ones are kept 7 and 30 days)',
      labelNames: ['status'],
      registers,
      async collect() {
        const f = await read();
        this.reset();
        if (f) for (const s of DELIVERY_STATUSES) this.set({ status: s }, f.byStatus[s]);
      },
    });
    new Gauge({
      name: 'agentgate_webhook_oldest_pending_seconds',
      help: 'Age of the oldest webhook delivery not yet delivered (0 when none)',
      registers,
      async collect() {
        const f = await read();
        this.reset();
        if (f) this.set(f.oldestPendingS);
      },
    });
    this.attempts = new Counter({
      name: 'agentgate_webhook_attempts_total',
      help: "Webhook POSTs this process made, by outcome: delivered, retry (failed, tried again later), failed (failed and given up)",
      labelNames: ['outcome'],
      registers,
    });
    this.latency = new Histogram({
      name: 'agentgate_webhook_delivery_seconds',
      help: 'Time from an event to its delivery (retries included)',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 21_600, 86_400],
      registers,
    });
  }

  attempt(outcome: 'delivered' | 'retry' | 'failed'): void {
    this.attempts.inc({ outcome });
  }

  delivered(seconds: number): void {
    this.latency.observe(seconds);
  }
}

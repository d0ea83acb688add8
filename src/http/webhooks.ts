import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Knex } from 'knex';
import { badParameterNamed } from './answers.js';
import { DELIVERY_STATUSES, type DeliveryStatus, listDeliveries } from '../webhooks/outbox.js';

export interface WebhookRouteDeps {
  db: Knex;
  send: (reply: FastifyReply, answer: { status: number; body: object }) => FastifyReply;
}

export const DELIVERIES_MAX = 1000;

/**
 * `GET /api/webhooks/deliveries?status=pending|delivered|failed&limit=N&before=ID`: the outbox, newest
 * first (docs/http-api.md, "Webhooks"). Access is the onRequest hook's, as for every /api route.
 */
export function registerWebhooks(app: FastifyInstance, deps: WebhookRouteDeps): void {
  app.get('/api/webhooks/deliveries', async (req, reply) => {
    const q = (req.query ?? {}) as Record<string, string | undefined>;
    const bad = (param: string) => deps.send(reply, badParameterNamed(param));
    if (q.status !== undefined && !(DELIVERY_STATUSES as readonly string[]).includes(q.status)) return bad('status');
    const limit = q.limit === undefined ? 100 : /^\d{1,4}$/.test(q.limit) ? Number(q.limit) : NaN;
    if (!(limit >= 1 && limit <= DELIVERIES_MAX)) return bad('limit');
    if (q.before !== undefined && !/^\d{1,15}$/.test(q.before)) return bad('before');
    const deliveries = await listDeliveries(deps.db, {
      status: q.status as DeliveryStatus | undefined,
      limit,
      before: q.before === undefined ? undefined : Number(q.before),
    });
    return deps.send(reply, { status: 200, body: { deliveries } });
  });
}

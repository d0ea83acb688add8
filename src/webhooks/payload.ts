import type { Taken } from './outbox.js';

/**
 * The JSON body of a delivery (docs/http-api.md, "Webhooks"). Built from the event row and the outbox row, both
 * unchanging, so every attempt of one delivery sends the same bytes.
 */
export function deliveryBody(t: Taken): string {
  return JSON.stringify({
    idempotency_key: t.idempotency_key,
    event_id: t.event,
    kind: t.kind,
    at: t.at,
    agent: t.agent,
    exten: t.exten,
    queue: t.queue,
    queues: t.queues,
    pbx: t.pbx,
    reason: t.reason,
    source: t.source,
    actor: t.actor,
  });
}

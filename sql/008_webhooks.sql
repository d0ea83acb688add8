-- Events out. The webhooks are provisioned configuration, here so that every instance sends the same.
CREATE TABLE webhooks (
  id          serial PRIMARY KEY,
  url         text NOT NULL UNIQUE,
  -- the event kinds it wants (login, logoff, pause, unpause, pause_overdue)
  events      text[] NOT NULL,
  -- Kept as given: every delivery is signed with it, which a hash could not do. Never logged, never answered.
  secret      text NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- The outbox: one row per event per webhook that wants it, written in the transaction that writes the
-- event (the trigger below), so an event recorded is an event that will be sent. `event` is events.id.
-- A row is `pending` until delivered or given up (`failed`); a worker that takes it holds a lease
-- (`holder`, `lease_until`) and never a connection while it posts, so a worker that dies mid-post
-- loses it when the lease runs out and another sends it again, with the same idempotency key.
CREATE TABLE webhook_deliveries (
  id               bigserial PRIMARY KEY,
  webhook          integer NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  event            bigint NOT NULL,
  agent            text NOT NULL,
  -- the queues the event applied to: its own, or (queue null: all of the session's) the session's then
  queues           text[] NOT NULL DEFAULT '{}',
  idempotency_key  uuid NOT NULL DEFAULT gen_random_uuid(),
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts         integer NOT NULL DEFAULT 0,
  created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- not before: the next try of a failed attempt (a row waiting behind its agent's earlier one is pushed back too)
  next_at          timestamptz NOT NULL DEFAULT clock_timestamp(),
  holder           text,
  lease_until      timestamptz,
  tried_at         timestamptz,
  finished_at      timestamptz,
  last_status      integer,
  last_error       text,
  UNIQUE (webhook, event)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_at) WHERE status = 'pending';
-- one agent's deliveries to one webhook go in event order: a row waits while an earlier one is pending
CREATE INDEX webhook_deliveries_chain ON webhook_deliveries (webhook, agent, event) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_status ON webhook_deliveries (status, id);

-- Every writer of events is covered, whatever it is (settle, a policy job, a hand-written insert):
-- once per statement, over the rows it inserted, after the statement's own changes to the sessions.
CREATE FUNCTION agentgate_webhook_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO webhook_deliveries (webhook, event, agent, queues)
  SELECT w.id, e.id, e.agent,
         CASE WHEN e.queue IS NOT NULL THEN ARRAY[e.queue]
              ELSE coalesce((SELECT array_agg(q.queue ORDER BY q.queue) FROM session_queues q WHERE q.agent = e.agent), '{}') END
    FROM new_events e JOIN webhooks w ON e.kind = ANY (w.events)
   ORDER BY e.id, w.id;
  RETURN NULL;
END
$$;
CREATE TRIGGER events_webhook_outbox AFTER INSERT ON events
  REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION agentgate_webhook_outbox();

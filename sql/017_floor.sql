-- A floor per queue and reasons that need a yes (CONTRACT §10, docs/pauses.md).
-- `min_available`: a pause that would leave the queue with fewer available members is refused
-- (or queued). `approval`: asking for the reason only requests it; a supervisor decides, or
-- `approval_timeout_s` passes and it is denied.
ALTER TABLE queues ADD COLUMN min_available integer CHECK (min_available >= 0);
ALTER TABLE pause_reasons ADD COLUMN approval boolean NOT NULL DEFAULT false;
ALTER TABLE pause_reasons ADD COLUMN approval_timeout_s integer NOT NULL DEFAULT 300 CHECK (approval_timeout_s > 0);

-- A pause intent that passed the floor, under its queues' locks: every later check counts its agent
-- as paused already, though Asterisk has not answered yet. The settle removes the intent and writes
-- the pause in one statement, so a check sees one or the other, never neither.
ALTER TABLE intents ADD COLUMN floor_passed boolean NOT NULL DEFAULT false;

-- Pauses waiting: `floor` for room under a queue's floor (first come first served by `since`),
-- `approval` for a supervisor's yes until `expires_at`. One per agent.
CREATE TABLE pending_pauses (
  agent       text PRIMARY KEY REFERENCES agents (login) ON DELETE CASCADE,
  kind        text NOT NULL CHECK (kind IN ('floor', 'approval')),
  reason      text,
  source      text NOT NULL,
  actor       text NOT NULL,
  since       timestamptz NOT NULL DEFAULT clock_timestamp(),
  expires_at  timestamptz
);
CREATE INDEX pending_pauses_since ON pending_pauses (kind, since);

ALTER TABLE events DROP CONSTRAINT events_kind_check;
ALTER TABLE events ADD CONSTRAINT events_kind_check CHECK (kind IN ('login', 'logoff', 'pause', 'unpause', 'reverted', 'pause_overdue',
  'pause_queued', 'pause_cancelled', 'pause_requested', 'pause_approved', 'pause_denied'));

-- Which of the agent's queues a pause now would leave under their floor, the agent's claim held
-- (`p_intent`). Counts, per floored queue of the session where the agent is available: the other
-- members available, less those with a pause intent that passed. With `p_lock` the queues' rows are
-- locked first (by name, so two checks never wait on each other in a circle) and, when nothing
-- falls short, the intent is marked as passed before the locks go: two pauses racing for the last
-- slot are decided one after the other. Without a claim (`p_intent` null) it only looks.
-- `p_queued`: the queued pause being taken; without it, a pause queued earlier in one of these queues
-- goes first, so a new pause never jumps the line.
CREATE FUNCTION agentgate_floor(p_agent text, p_intent bigint, p_lock boolean, p_queued boolean) RETURNS text[]
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_short text[];
BEGIN
  IF p_lock THEN
    PERFORM 1 FROM queues q
      JOIN session_queues sq ON sq.queue = q.name AND sq.agent = p_agent AND NOT sq.paused
     WHERE q.min_available IS NOT NULL
     ORDER BY q.name FOR UPDATE OF q;
  END IF;
  SELECT coalesce(array_agg(q.name ORDER BY q.name), '{}') INTO v_short
    FROM queues q
    JOIN session_queues mine ON mine.queue = q.name AND mine.agent = p_agent AND NOT mine.paused
   WHERE q.min_available IS NOT NULL
     AND ((SELECT count(*) FROM session_queues o
            WHERE o.queue = q.name AND o.agent <> p_agent AND NOT o.paused
              AND NOT EXISTS (SELECT 1 FROM intents i WHERE i.agent = o.agent AND i.floor_passed)) < q.min_available
          OR (NOT p_queued AND EXISTS (
            SELECT 1 FROM pending_pauses p JOIN session_queues pq ON pq.agent = p.agent AND pq.queue = q.name
             WHERE p.kind = 'floor' AND p.agent <> p_agent)));
  IF p_lock AND p_intent IS NOT NULL AND cardinality(v_short) = 0 THEN
    UPDATE intents SET floor_passed = true WHERE id = p_intent;
  END IF;
  RETURN v_short;
END
$$;

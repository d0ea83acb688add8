-- Asterisk pauses a member per queue, so the record does too. An agent is "paused" when paused in
-- every queue of its session; agent_sessions.since is when that derived state last changed.
ALTER TABLE session_queues ADD COLUMN paused boolean NOT NULL DEFAULT false;
ALTER TABLE session_queues ADD COLUMN reason text;
UPDATE session_queues q SET paused = s.paused, reason = s.reason FROM agent_sessions s WHERE s.agent = q.agent;
ALTER TABLE agent_sessions DROP COLUMN paused;
ALTER TABLE agent_sessions DROP COLUMN reason;

-- `reverted`: an action Asterisk applied although its caller was not told so was taken back.
-- `reconcile`: the periodic comparison with Asterisk. `intent` is set by a command's own settle, so
-- a settle whose commit went unanswered can be told apart from one that never happened.
ALTER TABLE events DROP CONSTRAINT events_kind_check;
ALTER TABLE events ADD CONSTRAINT events_kind_check CHECK (kind IN ('login', 'logoff', 'pause', 'unpause', 'reverted'));
ALTER TABLE events DROP CONSTRAINT events_source_check;
ALTER TABLE events ADD CONSTRAINT events_source_check CHECK (source IN ('http', 'phone', 'pbx', 'resync', 'reconcile'));
ALTER TABLE events ADD COLUMN intent bigint;
ALTER TABLE events ADD COLUMN detail text;
CREATE INDEX events_intent ON events (intent) WHERE intent IS NOT NULL;

-- The in-doubt registry: what an instance is about to ask of Asterisk, written before it asks. A row
-- is the agent's (and, for a login, the extension's) claim: one at a time, on every instance. It is
-- removed by the statement that records the outcome; one still here after its deadline is in doubt
-- and is settled from what Asterisk holds, toward what the caller was told (nothing changed).
CREATE TABLE intents (
  id          bigserial PRIMARY KEY,
  agent       text NOT NULL REFERENCES agents (login) ON DELETE CASCADE,
  exten       text,
  action      text NOT NULL,
  source      text NOT NULL,
  interface   text,
  queues      text[] NOT NULL DEFAULT '{}',
  -- the state asked for: {"paused": bool, "reason": text}
  want        jsonb NOT NULL DEFAULT '{}',
  holder      text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  deadline    timestamptz NOT NULL
);
CREATE UNIQUE INDEX intents_agent ON intents (agent);
CREATE UNIQUE INDEX intents_exten ON intents (exten) WHERE exten IS NOT NULL;
CREATE INDEX intents_interface ON intents (interface);
CREATE INDEX intents_deadline ON intents (deadline);

-- Claims the agent and returns what the command needs, read after the claim: every query in a
-- plpgsql function takes a fresh snapshot, so a claim that won sees the previous holder's settle.
-- (One statement that inserted and read would read the tables as they were before a wait.)
-- Returns {"claimed": id | null, "busy": {...} | null, "agent": {...} | null, "session": {...} | null,
--          "exten": {...} | null, "holder": login | null, "queues": [...], "reason": name | null}.
CREATE FUNCTION agentgate_claim(
  p_agent text, p_exten text, p_action text, p_source text, p_holder text, p_ms integer,
  p_queues text[], p_reason text, p_template text, p_want jsonb
) RETURNS jsonb LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_id bigint;
  v_agent jsonb;
  v_session jsonb;
  v_exten jsonb;
  v_holder text;
  v_queues jsonb;
  v_reason text;
  v_busy jsonb;
  v_iface text;
  v_intent_queues text[];
BEGIN
  INSERT INTO intents (agent, exten, action, source, want, holder, deadline)
  SELECT p_agent, p_exten, p_action, p_source, coalesce(p_want, '{}'::jsonb), p_holder, clock_timestamp() + make_interval(secs => p_ms / 1000.0)
   WHERE EXISTS (SELECT 1 FROM agents WHERE login = p_agent)
  ON CONFLICT DO NOTHING
  RETURNING id INTO v_id;

  SELECT jsonb_build_object('login', a.login, 'name', a.name) INTO v_agent FROM agents a WHERE a.login = p_agent;
  IF v_agent IS NULL THEN
    RETURN jsonb_build_object('claimed', NULL, 'agent', NULL);
  END IF;
  IF v_id IS NULL THEN
    SELECT jsonb_build_object('id', i.id, 'agent', i.agent, 'holder', i.holder, 'expired', i.deadline <= clock_timestamp(),
                              'wait_ms', greatest(0, extract(epoch FROM i.deadline - clock_timestamp()) * 1000))
      INTO v_busy FROM intents i WHERE i.agent = p_agent OR (p_exten IS NOT NULL AND i.exten = p_exten)
     ORDER BY i.agent = p_agent DESC LIMIT 1;
    RETURN jsonb_build_object('claimed', NULL, 'agent', v_agent, 'busy', coalesce(v_busy, '{}'::jsonb));
  END IF;

  SELECT jsonb_build_object(
           'exten', s.exten, 'interface', s.interface, 'state_interface', s.state_interface,
           'member_name', s.member_name, 'since', s.since,
           'queues', coalesce((SELECT jsonb_agg(jsonb_build_object('queue', q.queue, 'paused', q.paused, 'reason', q.reason) ORDER BY q.queue)
                                 FROM session_queues q WHERE q.agent = s.agent), '[]'::jsonb))
    INTO v_session FROM agent_sessions s WHERE s.agent = p_agent;

  IF p_exten IS NOT NULL THEN
    SELECT jsonb_build_object('exten', e.exten, 'callcenter', e.callcenter, 'interface', e.interface, 'state_interface', e.state_interface)
      INTO v_exten FROM extensions e WHERE e.exten = p_exten;
    SELECT s.agent INTO v_holder FROM agent_sessions s WHERE s.exten = p_exten;
  END IF;

  SELECT coalesce(jsonb_agg(jsonb_build_object('name', q.name, 'number', q.number, 'callcenter', q.callcenter)), '[]'::jsonb)
    INTO v_queues FROM queues q WHERE q.name = ANY (p_queues) OR q.number = ANY (p_queues);

  IF p_reason IS NOT NULL THEN
    SELECT r.name INTO v_reason FROM pause_reasons r
     WHERE lower(r.name) = lower(p_reason) OR r.code = CASE WHEN p_reason ~ '^[0-9]{1,9}$' THEN p_reason::integer END
     ORDER BY lower(r.name) = lower(p_reason) DESC LIMIT 1;
  END IF;

  -- What the intent may touch in Asterisk: the session's member, or the one a login would add.
  v_iface := coalesce(v_session->>'interface', v_exten->>'interface', replace(p_template, '{exten}', p_exten));
  SELECT coalesce(array_agg(x), '{}') INTO v_intent_queues FROM (
    SELECT jsonb_array_elements(coalesce(v_session->'queues', '[]'::jsonb))->>'queue' AS x
    UNION SELECT q.name FROM queues q WHERE p_action = 'login' AND (q.name = ANY (p_queues) OR q.number = ANY (p_queues))
  ) u WHERE x IS NOT NULL;
  UPDATE intents SET interface = v_iface, queues = v_intent_queues WHERE id = v_id;

  RETURN jsonb_build_object('claimed', v_id, 'agent', v_agent, 'session', v_session, 'exten', v_exten,
                            'holder', v_holder, 'queues', v_queues, 'reason', v_reason, 'interface', v_iface);
END
$$;

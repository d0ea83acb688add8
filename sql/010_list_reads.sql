-- Kept ready for GET /api/agents and the metrics (see each part). Split from 006, which had already
-- landed, so a database migrated then gets these too.

-- `GET /api/agents` says since when each logged-off agent is off: its last logoff. Looking it up in
-- the events for every agent was a third of that list's database time (10,000 agents: 10,000 index probes
-- per request), so Postgres keeps it here, from every logoff event whoever writes it.
CREATE TABLE agent_last_logoff (
  agent  text PRIMARY KEY,
  at     timestamptz NOT NULL
);
INSERT INTO agent_last_logoff (agent, at) SELECT agent, max(at) FROM events WHERE kind = 'logoff' GROUP BY agent;

-- greatest(): a logoff recorded late with an earlier time (an import, a test) never moves it back.
CREATE FUNCTION agentgate_last_logoff() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO agent_last_logoff (agent, at) VALUES (NEW.agent, NEW.at)
  ON CONFLICT (agent) DO UPDATE SET at = greatest(agent_last_logoff.at, excluded.at);
  RETURN NULL;
END
$$;

CREATE TRIGGER events_last_logoff AFTER INSERT ON events FOR EACH ROW WHEN (NEW.kind = 'logoff') EXECUTE FUNCTION agentgate_last_logoff();

-- The fixed part of each agent in that list, kept by Postgres so that a list of 10,000 agents is put
-- together rather than worked out at every request (quoting every name and gathering every agent's
-- default queues were half of its time): `list_head` is `{"agent":…,"name":…` and
-- `default_queues_json` the agent's default queues as a JSON array, by name.
-- (to_json of a text depends on nothing but the text: the wrapper may say so.)
CREATE FUNCTION agentgate_json_text(t text) RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT to_json(t)::text $$;

ALTER TABLE agents ADD COLUMN list_head text GENERATED ALWAYS AS ('{"agent":' || agentgate_json_text(login) || ',"name":' || agentgate_json_text(name)) STORED;

ALTER TABLE agents ADD COLUMN default_queues_json text NOT NULL DEFAULT '[]';

CREATE FUNCTION agentgate_default_queues_of(p_agent text) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT coalesce(json_agg(q.queue ORDER BY q.queue)::text, '[]') FROM agent_queues q WHERE q.agent = p_agent
$$;

UPDATE agents SET default_queues_json = agentgate_default_queues_of(login) WHERE login IN (SELECT agent FROM agent_queues);

CREATE FUNCTION agentgate_default_queues() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    UPDATE agents SET default_queues_json = agentgate_default_queues_of(login) WHERE login = OLD.agent;
  END IF;
  IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.agent IS DISTINCT FROM OLD.agent) THEN
    UPDATE agents SET default_queues_json = agentgate_default_queues_of(login) WHERE login = NEW.agent;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER agent_queues_list AFTER INSERT OR UPDATE OR DELETE ON agent_queues FOR EACH ROW EXECUTE FUNCTION agentgate_default_queues();

-- Metrics no longer count corrections in the record at each scrape (each instance counts its own).
DROP INDEX IF EXISTS events_corrections;

-- Who may do what. A key is kept as the SHA-256 of its text (keys are 32 random bytes: a slow hash
-- would buy nothing and cost a lookup per request); the text itself is shown once, at creation.
-- A revoked key keeps its row and its name, so an actor `key:<name>` in the record always means one key.
CREATE TABLE api_keys (
  name          text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
  role          text NOT NULL CHECK (role IN ('display', 'agent', 'supervisor', 'admin')),
  -- agent keys: the one agent they act for
  agent         text REFERENCES agents (login) ON DELETE CASCADE,
  -- supervisor keys: the queues of their scope; empty: every queue
  queues        text[] NOT NULL DEFAULT '{}',
  show_callers  boolean NOT NULL DEFAULT false,
  hash          text NOT NULL UNIQUE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz,
  last_used_at  timestamptz,
  revoked_at    timestamptz,
  CONSTRAINT api_keys_agent_role CHECK ((role = 'agent') = (agent IS NOT NULL))
);

-- The agent panel's sign-ins: the cookie carries a random id, this table its hash. Shared by every
-- instance; a sign-out deletes the row, the idle timeout and the absolute limit are read from it.
CREATE TABLE panel_sessions (
  hash        text PRIMARY KEY,
  agent       text NOT NULL REFERENCES agents (login) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  seen_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX panel_sessions_agent ON panel_sessions (agent);

-- Who made each change: key:<name>, agent:<login>, phone:<exten>, ip:<address>, or pbx, resync,
-- reconcile, policy for what agentgate and Asterisk do by themselves. agentgate writes it on every
-- event; a row written without one (by hand, or recorded before this migration) gets what its source
-- tells: `unknown` for http (only the source was kept), the extension for a phone, else the source.
ALTER TABLE events ADD COLUMN actor text;
CREATE FUNCTION agentgate_default_actor(p_source text, p_exten text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN p_source = 'http' THEN 'unknown' WHEN p_source = 'phone' THEN 'phone:' || coalesce(p_exten, '') ELSE p_source END
$$;
UPDATE events SET actor = agentgate_default_actor(source, exten);
ALTER TABLE events ALTER COLUMN actor SET NOT NULL;
CREATE FUNCTION agentgate_event_actor() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.actor := agentgate_default_actor(NEW.source, NEW.exten);
  RETURN NEW;
END
$$;
CREATE TRIGGER events_actor BEFORE INSERT ON events FOR EACH ROW WHEN (NEW.actor IS NULL) EXECUTE FUNCTION agentgate_event_actor();
ALTER TABLE events ADD CONSTRAINT events_actor_check CHECK (
  (source = 'http' AND (actor ~ '^(key|agent|ip):.' OR actor = 'unknown'))
  OR (source = 'phone' AND actor ~ '^phone:')
  OR (source IN ('pbx', 'resync', 'reconcile', 'policy') AND actor = source)
);

-- Who started each queue's current pause, for status and the lists (null while not paused).
ALTER TABLE session_queues ADD COLUMN paused_by text;
UPDATE session_queues SET paused_by = 'unknown' WHERE paused;

-- The pause report groups by actor too: the line it reads carries the actor before the reason
-- (`id␟ms␟k␟queue␟actor␟reason`). Rewrites the table once, like 006.
ALTER TABLE events DROP COLUMN report_line;
ALTER TABLE events ADD COLUMN report_line text GENERATED ALWAYS AS (
  id::text || chr(31) || floor(date_part('epoch', at - '1970-01-01T00:00:00Z'::timestamptz) * 1000)::bigint::text || chr(31) ||
  CASE kind WHEN 'login' THEN 'i' WHEN 'logoff' THEN 'o' WHEN 'pause' THEN 'p' WHEN 'unpause' THEN 'u' END || chr(31) ||
  coalesce(queue, '') || chr(31) || actor || chr(31) || coalesce(reason, '')
) STORED;

-- Where it happened (CONTRACT §9): every event names the PBX of its queue, or, for an event without
-- one, of its extension; `default` for a service with one PBX. The feed and the webhooks carry it.
-- Written by the database as the row goes in, so every writer (a command, a resync, the pause
-- rules) records it the same way; rows from before keep NULL.
ALTER TABLE events ADD COLUMN pbx text;
CREATE FUNCTION agentgate_event_pbx() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.pbx IS NULL THEN
    NEW.pbx := coalesce((SELECT q.pbx FROM queues q WHERE q.name = NEW.queue), (SELECT e.pbx FROM extensions e WHERE e.exten = NEW.exten));
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER events_pbx BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION agentgate_event_pbx();

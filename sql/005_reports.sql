-- Reports: the sessions open when a report's range begins are found with a loose index scan over
-- each (agent, queue) pair's logins and logoffs; the range itself is read through events_at.
CREATE INDEX events_sessions ON events (agent, queue, at) WHERE kind IN ('login', 'logoff');
-- Metrics count the corrections made by resync and reconcile at every scrape.
CREATE INDEX events_corrections ON events (source, kind) WHERE source IN ('resync', 'reconcile');

-- Pause rules, from the provisioning file: a limit (minutes) past which a pause is overdue, whether
-- the pause counts as working time in reports, and what an overrun does.
ALTER TABLE pause_reasons ADD COLUMN max_minutes integer CHECK (max_minutes > 0);
ALTER TABLE pause_reasons ADD COLUMN productive boolean NOT NULL DEFAULT false;
ALTER TABLE pause_reasons ADD COLUMN on_overrun text NOT NULL DEFAULT 'alert' CHECK (on_overrun IN ('alert', 'unpause'));
ALTER TABLE pause_reasons ADD CONSTRAINT pause_reasons_unpause_needs_limit CHECK (on_overrun = 'alert' OR max_minutes IS NOT NULL);

-- The pause (known by its `since`) already reported overdue: the statement that writes the
-- `pause_overdue` event sets it, so each pause is reported once, by one instance, across restarts.
-- A new pause has another `since` and is reported again.
ALTER TABLE agent_sessions ADD COLUMN overdue_for timestamptz;

-- `pause_overdue`: a pause went past its reason's limit. `policy`: what the pause rules did.
ALTER TABLE events DROP CONSTRAINT events_kind_check;
ALTER TABLE events ADD CONSTRAINT events_kind_check CHECK (kind IN ('login', 'logoff', 'pause', 'unpause', 'reverted', 'pause_overdue'));
ALTER TABLE events DROP CONSTRAINT events_source_check;
ALTER TABLE events ADD CONSTRAINT events_source_check CHECK (source IN ('http', 'phone', 'pbx', 'resync', 'reconcile', 'policy'));

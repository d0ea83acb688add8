-- The pause report reads a month of events (a million rows) at a time, and most of its database time
-- went into turning each row into text. Each state-changing event now carries that text from its
-- insert on: `id␟ms␟k␟queue␟reason` (␟ = chr(31); ms since the epoch; k: i login, o logoff, p pause,
-- u unpause). It is NULL for every other kind, so the report's aggregate skips those without a
-- filter. (The epoch comes from an interval: extract() from a timestamptz is not immutable.)
-- Adding it rewrites the table once, locked meanwhile: about 5 s per million events.
ALTER TABLE events ADD COLUMN report_line text GENERATED ALWAYS AS (
  id::text || chr(31) || floor(date_part('epoch', at - '1970-01-01T00:00:00Z'::timestamptz) * 1000)::bigint::text || chr(31) ||
  CASE kind WHEN 'login' THEN 'i' WHEN 'logoff' THEN 'o' WHEN 'pause' THEN 'p' WHEN 'unpause' THEN 'u' END || chr(31) ||
  coalesce(queue, '') || chr(31) || coalesce(reason, '')
) STORED;

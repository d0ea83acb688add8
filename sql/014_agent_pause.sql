-- The agent's own state, written once for every reader (the lists, the overdue pauses, the
-- metrics): paused when paused in every queue of its session; the pause's reason and who started
-- it are those of its first paused queue by name (src/commands/state.ts says the same in code).
-- The aggregates read the rows of a sorted subquery, so none sorts once per agent.
CREATE VIEW agent_pause AS
SELECT sq.agent,
       json_agg(sq.queue) AS queues,
       coalesce(json_agg(sq.queue) FILTER (WHERE sq.paused), '[]') AS paused_queues,
       (array_agg(sq.reason) FILTER (WHERE sq.paused))[1] AS reason,
       (array_agg(sq.paused_by) FILTER (WHERE sq.paused))[1] AS actor,
       bool_and(sq.paused) AS all_paused
  FROM (SELECT * FROM session_queues ORDER BY agent, queue) sq
 GROUP BY sq.agent;

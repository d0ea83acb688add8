import type { Knex } from 'knex';

export const AGENT_STATES = ['available', 'paused', 'logged_off'] as const;
export type AgentState = (typeof AGENT_STATES)[number];

export interface AgentFilter {
  queue?: string;
  state?: AgentState;
}

// Times as JavaScript's toISOString() writes them, so `since` reads the same here as in `status`.
const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/**
 * Every provisioned agent with its derived state, as the JSON text of a list (Postgres builds it:
 * 10,000 agents are one row to read, nothing to parse and serialise again here).
 * State: no session → logged_off; paused in every queue of the session → paused; else available.
 * `queue` keeps agents logged into that queue and logged-off agents who have it as a default queue.
 */
export async function listAgentsJson(db: Knex, filter: AgentFilter = {}): Promise<string> {
  // The planner prices the per-agent logoff lookup high enough to compile the query (JIT) on every
  // call, which costs more than the query itself: it is turned off for this transaction only.
  return db.transaction(async (trx) => {
    await trx.raw('SET LOCAL jit = off');
    return agentsJson(trx, filter);
  });
}

async function agentsJson(db: Knex, filter: AgentFilter): Promise<string> {
  const { rows } = await db.raw<{ rows: Array<{ list: string }> }>(
    `
    WITH sq AS (
      SELECT sq.agent,
             array_agg(sq.queue) AS queue_list,
             json_agg(sq.queue ORDER BY sq.queue) AS queues,
             coalesce(json_agg(sq.queue ORDER BY sq.queue) FILTER (WHERE sq.paused), '[]') AS paused_queues,
             (array_agg(sq.reason ORDER BY sq.queue) FILTER (WHERE sq.paused))[1] AS reason,
             bool_and(sq.paused) AS all_paused
        FROM session_queues sq GROUP BY sq.agent
    ), dq AS (
      SELECT aq.agent, array_agg(aq.queue) AS queue_list, json_agg(aq.queue ORDER BY aq.queue) AS queues
        FROM agent_queues aq GROUP BY aq.agent
    ), a AS (
      SELECT a.login, a.name, s.exten, s.since, sq.queues, sq.paused_queues, sq.reason, sq.queue_list,
             dq.queues AS default_queues, dq.queue_list AS default_list,
             CASE WHEN s.agent IS NULL THEN 'logged_off' WHEN sq.all_paused THEN 'paused' ELSE 'available' END AS state
        FROM agents a
        LEFT JOIN agent_sessions s ON s.agent = a.login
        LEFT JOIN sq ON sq.agent = s.agent
        LEFT JOIN dq ON dq.agent = a.login
    )
    -- The lists are JSON already (turning 30,000 arrays into JSON here would cost more than the rest),
    -- and the rows come in login order from the subquery, so the aggregate has nothing to sort.
    SELECT coalesce(json_agg(x), '[]')::text AS list
      FROM (
        SELECT a.login AS agent, a.name, a.state, a.exten,
               coalesce(a.queues, '[]'::json) AS queues, coalesce(a.paused_queues, '[]'::json) AS paused_queues, a.reason,
               to_char(coalesce(a.since, l.at) AT TIME ZONE 'UTC', ${ISO}) AS since,
               coalesce(a.default_queues, '[]'::json) AS default_queues
          FROM a
          -- when a logged-off agent's state began: its last logoff (as status answers)
          LEFT JOIN LATERAL (
            SELECT e.at FROM events e WHERE a.exten IS NULL AND e.agent = a.login AND e.kind = 'logoff' ORDER BY e.at DESC LIMIT 1
          ) l ON true
         WHERE (?::text IS NULL OR a.state = ?::text)
           AND (?::text IS NULL OR ?::text = ANY (CASE WHEN a.exten IS NULL THEN a.default_list ELSE a.queue_list END))
         ORDER BY a.login
      ) x
    `,
    [filter.state ?? null, filter.state ?? null, filter.queue ?? null, filter.queue ?? null],
  );
  return rows[0]?.list ?? '[]';
}

/**
 * Every call-center queue (and any other that has someone logged in) with its counts. `paused`
 * counts the members paused in that queue; `paused_by_reason` splits them by reason ("" for none).
 */
export async function listQueuesJson(db: Knex): Promise<string> {
  const { rows } = await db.raw<{ rows: Array<{ list: string }> }>(
    `
    WITH c AS (
      SELECT sq.queue, count(*)::int AS logged_in, (count(*) FILTER (WHERE sq.paused))::int AS paused
        FROM session_queues sq GROUP BY sq.queue
    ), r AS (
      SELECT x.queue, json_object_agg(x.reason, x.n ORDER BY x.reason) AS by_reason
        FROM (SELECT sq.queue, coalesce(sq.reason, '') AS reason, count(*)::int AS n
                FROM session_queues sq WHERE sq.paused GROUP BY 1, 2) x
       GROUP BY x.queue
    )
    SELECT coalesce(json_agg(json_build_object(
             'queue', q.name, 'logged_in', coalesce(c.logged_in, 0), 'available', coalesce(c.logged_in - c.paused, 0),
             'paused', coalesce(c.paused, 0), 'paused_by_reason', coalesce(r.by_reason, '{}'::json)
           ) ORDER BY q.name), '[]')::text AS list
      FROM queues q
      LEFT JOIN c ON c.queue = q.name
      LEFT JOIN r ON r.queue = q.name
     WHERE q.callcenter OR c.logged_in > 0
    `,
  );
  return rows[0]?.list ?? '[]';
}

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
  const { rows } = await db.raw<{ rows: Array<{ list: string }> }>(
    `
    WITH a AS (
      SELECT a.login, a.name, s.exten, s.since,
             coalesce(q.queues, '{}') AS queues, coalesce(q.paused_queues, '{}') AS paused_queues, q.reason,
             coalesce(d.queues, '{}') AS default_queues,
             CASE WHEN s.agent IS NULL THEN 'logged_off'
                  WHEN q.all_paused THEN 'paused'
                  ELSE 'available' END AS state
        FROM agents a
        LEFT JOIN agent_sessions s ON s.agent = a.login
        LEFT JOIN LATERAL (
          SELECT array_agg(sq.queue ORDER BY sq.queue) AS queues,
                 array_agg(sq.queue ORDER BY sq.queue) FILTER (WHERE sq.paused) AS paused_queues,
                 (array_agg(sq.reason ORDER BY sq.queue) FILTER (WHERE sq.paused))[1] AS reason,
                 bool_and(sq.paused) AS all_paused
            FROM session_queues sq WHERE sq.agent = a.login
        ) q ON s.agent IS NOT NULL
        LEFT JOIN LATERAL (
          SELECT array_agg(aq.queue ORDER BY aq.queue) AS queues FROM agent_queues aq WHERE aq.agent = a.login
        ) d ON true
    )
    SELECT coalesce(json_agg(json_build_object(
             'agent', a.login, 'name', a.name, 'state', a.state, 'exten', a.exten,
             'queues', a.queues, 'paused_queues', a.paused_queues, 'reason', a.reason,
             'since', to_char(coalesce(a.since, l.at) AT TIME ZONE 'UTC', ${ISO}),
             'default_queues', a.default_queues
           ) ORDER BY a.login), '[]')::text AS list
      FROM a
      -- when a logged-off agent's state began: its last logoff (as status answers)
      LEFT JOIN LATERAL (
        SELECT e.at FROM events e WHERE a.exten IS NULL AND e.agent = a.login AND e.kind = 'logoff' ORDER BY e.at DESC LIMIT 1
      ) l ON true
     WHERE (?::text IS NULL OR a.state = ?::text)
       AND (?::text IS NULL OR ?::text = ANY (CASE WHEN a.exten IS NULL THEN a.default_queues ELSE a.queues END))
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

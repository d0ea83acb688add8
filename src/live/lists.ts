import type { Knex } from 'knex';

export const AGENT_STATES = ['available', 'paused', 'logged_off'] as const;
export type AgentState = (typeof AGENT_STATES)[number];

export interface AgentFilter {
  queue?: string;
  state?: AgentState;
}

// Times as JavaScript's toISOString() writes them, so `since` reads the same here as in `status`.
const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

interface AgentRow {
  agent: string;
  name: string;
  state: AgentState;
  exten: string | null;
  queues: string;
  paused_queues: string;
  reason: string | null;
  since: string | null;
  default_queues: string;
  max_minutes: number | null;
  overdue: boolean;
}

/**
 * Every provisioned agent with its derived state, in login order, as the JSON text of a list.
 * State: no session → logged_off; paused in every queue of the session → paused; else available.
 * `queue` keeps agents logged into that queue and logged-off agents who have it as a default queue.
 *
 * One statement reads it all; its lists arrive as JSON text and are spliced in as they are. (Having
 * Postgres turn 10,000 rows into one JSON document took longer than the query itself.) `call` is
 * live state, not the record: `callJson` gives it per agent (src/calls/board.ts).
 */
export async function listAgentsJson(db: Knex, filter: AgentFilter = {}, callJson: (agent: string) => string = () => 'null'): Promise<string> {
  // The planner prices the per-agent logoff lookup high enough to compile the query (JIT) on every
  // call, which costs more than the query itself: it is turned off for this transaction only.
  const rows = await db.transaction(async (trx) => {
    await trx.raw('SET LOCAL jit = off');
    return agentRows(trx, filter);
  });
  const parts = rows.map(
    (r) =>
      `{"agent":${JSON.stringify(r.agent)},"name":${JSON.stringify(r.name)},"state":"${r.state}","exten":${JSON.stringify(r.exten)},` +
      `"queues":${r.queues},"paused_queues":${r.paused_queues},"reason":${JSON.stringify(r.reason)},` +
      `"since":${r.since === null ? 'null' : `"${r.since}"`},"default_queues":${r.default_queues},` +
      `"max_minutes":${r.max_minutes ?? 'null'},"overdue":${r.overdue},"call":${callJson(r.agent)}}`,
  );
  return `[${parts.join(',')}]`;
}

async function agentRows(db: Knex, filter: AgentFilter): Promise<AgentRow[]> {
  const { rows } = await db.raw<{ rows: AgentRow[] }>(
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
      SELECT a.login, a.name, s.exten, s.since, s.overdue_for, sq.queues, sq.paused_queues, sq.reason, sq.queue_list,
             dq.queues AS default_queues, dq.queue_list AS default_list,
             CASE WHEN s.agent IS NULL THEN 'logged_off' WHEN sq.all_paused THEN 'paused' ELSE 'available' END AS state
        FROM agents a
        LEFT JOIN agent_sessions s ON s.agent = a.login
        LEFT JOIN sq ON sq.agent = s.agent
        LEFT JOIN dq ON dq.agent = a.login
    )
    SELECT a.login AS agent, a.name, a.state, a.exten,
           coalesce(a.queues::text, '[]') AS queues, coalesce(a.paused_queues::text, '[]') AS paused_queues, a.reason,
           to_char(coalesce(a.since, l.at) AT TIME ZONE 'UTC', ${ISO}) AS since,
           coalesce(a.default_queues::text, '[]') AS default_queues,
           -- pause rules: the limit of the reason shown, and whether this pause was recorded overdue
           pr.max_minutes, (a.state = 'paused' AND a.overdue_for IS NOT DISTINCT FROM a.since) AS overdue
      FROM a
      LEFT JOIN pause_reasons pr ON lower(pr.name) = lower(a.reason)
      -- when a logged-off agent's state began: its last logoff (as status answers)
      LEFT JOIN LATERAL (
        SELECT e.at FROM events e WHERE a.exten IS NULL AND e.agent = a.login AND e.kind = 'logoff' ORDER BY e.at DESC LIMIT 1
      ) l ON true
     WHERE (?::text IS NULL OR a.state = ?::text)
       AND (?::text IS NULL OR ?::text = ANY (CASE WHEN a.exten IS NULL THEN a.default_list ELSE a.queue_list END))
     ORDER BY a.login
    `,
    [filter.state ?? null, filter.state ?? null, filter.queue ?? null, filter.queue ?? null],
  );
  return rows;
}

/**
 * Every call-center queue (and any other that has someone logged in) with its counts. `paused`
 * counts the members paused in that queue; `paused_by_reason` splits them by reason ("" for none);
 * `waiting` and `longest_wait_s` are the callers waiting now (live state, src/calls/board.ts).
 */
export async function listQueuesJson(
  db: Knex,
  waiting: (queue: string) => { waiting: number; longest_wait_s: number } = () => ({ waiting: 0, longest_wait_s: 0 }),
): Promise<string> {
  const { rows } = await db.raw<{ rows: Array<{ queue: string; logged_in: number; paused: number; reasons: Array<[string, number]> }> }>(
    `
    WITH c AS (
      SELECT sq.queue, count(*)::int AS logged_in, (count(*) FILTER (WHERE sq.paused))::int AS paused
        FROM session_queues sq GROUP BY sq.queue
    ), r AS (
      SELECT x.queue, json_agg(json_build_array(x.reason, x.n) ORDER BY x.reason) AS reasons
        FROM (SELECT sq.queue, coalesce(sq.reason, '') AS reason, count(*)::int AS n
                FROM session_queues sq WHERE sq.paused GROUP BY 1, 2) x
       GROUP BY x.queue
    )
    SELECT q.name AS queue, coalesce(c.logged_in, 0) AS logged_in, coalesce(c.paused, 0) AS paused, coalesce(r.reasons, '[]') AS reasons
      FROM queues q
      LEFT JOIN c ON c.queue = q.name
      LEFT JOIN r ON r.queue = q.name
     WHERE q.callcenter OR c.logged_in > 0
     ORDER BY q.name
    `,
  );
  return JSON.stringify(
    rows.map((r) => ({
      queue: r.queue,
      logged_in: r.logged_in,
      available: r.logged_in - r.paused,
      paused: r.paused,
      paused_by_reason: Object.fromEntries(r.reasons),
      ...waiting(r.queue),
    })),
  );
}

import type { Knex } from 'knex';
import { isoSql } from '../db/iso.js';

export const AGENT_STATES = ['available', 'paused', 'logged_off'] as const;
export type AgentState = (typeof AGENT_STATES)[number];

export interface AgentFilter {
  queue?: string;
  state?: AgentState;
  /** CONTRACT §9: agents on that PBX's extensions, and logged-off agents with a default queue there. */
  pbx?: string;
}


/**
 * Every provisioned agent with its derived state, in login order, as the JSON text of a list.
 * State: no session → logged_off; paused in every queue of the session → paused; else available.
 * `queue` keeps agents logged into that queue and logged-off agents who have it as a default queue.
 *
 * One statement builds each agent's JSON text in Postgres, in order; here they are only joined. (One
 * aggregated text of megabytes cost more: Postgres sorting and copying it, this process reading one
 * message of 2 MB; 10,000 agents: 49 → 30 ms for the statement.) `call` is live
 * state, not the record: the agents on a call now (a few, from src/calls/board.ts) go in as one JSON
 * parameter.
 */
export async function listAgentsJson(db: Knex, filter: AgentFilter = {}, calls: Record<string, unknown> = {}): Promise<string> {
  const { state = null, queue = null, pbx = null } = filter;
  const { rows } = await db.raw<{ rows: Array<[string]> }>(AGENTS, [JSON.stringify(calls), state, state, queue, queue, queue, pbx, pbx, pbx]).options({ rowMode: 'array' });
  return `[${rows.map((r) => r[0]).join(',')}]`;
}

// The agent's own state (paused in every queue; the reason and actor of the first paused queue) is
// the view `agent_pause` (migration 014), as for the overdue pauses and the metrics. Each agent's fixed
// part (`list_head`, `default_queues_json`) and a logged-off agent's last logoff are kept ready by
// Postgres (migration 010).
const AGENTS = `
    WITH sq AS (SELECT * FROM agent_pause), a AS (
      SELECT a.login, a.list_head, a.default_queues_json, s.exten, s.since, s.overdue_for, sq.queues, sq.paused_queues, sq.reason, sq.actor, e.pbx,
             CASE WHEN s.agent IS NULL THEN 'logged_off' WHEN sq.all_paused THEN 'paused' ELSE 'available' END AS state
        FROM agents a
        LEFT JOIN agent_sessions s ON s.agent = a.login
        LEFT JOIN sq ON sq.agent = s.agent
        LEFT JOIN extensions e ON e.exten = s.exten
    )
    SELECT x.item FROM (
      SELECT a.login, a.list_head ||
             CASE WHEN a.exten IS NULL THEN
               -- since: its last logoff (as status answers; migration 010 keeps it)
               ',"state":"logged_off","exten":null,"pbx":null,"queues":[],"paused_queues":[],"reason":null,"actor":null,"since":' ||
               coalesce('"' || ${isoSql('l.at')} || '"', 'null')
             ELSE
               ',"state":"' || a.state || '","exten":' || to_json(a.exten)::text || ',"pbx":' || coalesce(to_json(a.pbx)::text, 'null') ||
               ',"queues":' || coalesce(a.queues::text, '[]') || ',"paused_queues":' || coalesce(a.paused_queues::text, '[]') ||
               ',"reason":' || coalesce(to_json(a.reason)::text, 'null') ||
               ',"actor":' || coalesce(to_json(a.actor)::text, 'null') ||
               ',"since":"' || ${isoSql('a.since')} || '"'
             END ||
             ',"default_queues":' || a.default_queues_json ||
             -- pause rules: the limit of the reason shown, and whether this pause was recorded overdue
             ',"max_minutes":' || coalesce(pr.max_minutes::text, 'null') ||
             ',"overdue":' || (a.state = 'paused' AND a.overdue_for IS NOT DISTINCT FROM a.since)::text ||
             ',"call":' || coalesce((?::jsonb -> a.login)::text, 'null') ||
             -- a pause waiting (docs/pauses.md): queued under a floor, or asking for a yes; only while one waits
             CASE WHEN pp.agent IS NULL THEN '' ELSE
               ',"pending_pause":' || json_build_object('reason', pp.reason, 'since', ${isoSql('pp.since')}, 'approval', pp.kind = 'approval')::text END || '}' AS item
        FROM a
        LEFT JOIN pending_pauses pp ON pp.agent = a.login
        LEFT JOIN agent_last_logoff l ON a.exten IS NULL AND l.agent = a.login
        LEFT JOIN pause_reasons pr ON lower(pr.name) = lower(a.reason)
       WHERE (?::text IS NULL OR a.state = ?::text)
         AND (?::text IS NULL OR CASE WHEN a.exten IS NULL
                                      THEN EXISTS (SELECT 1 FROM agent_queues f WHERE f.agent = a.login AND f.queue = ?::text)
                                      ELSE EXISTS (SELECT 1 FROM session_queues f WHERE f.agent = a.login AND f.queue = ?::text) END)
         AND (?::text IS NULL OR CASE WHEN a.exten IS NULL
                                      THEN EXISTS (SELECT 1 FROM agent_queues f JOIN queues fq ON fq.name = f.queue WHERE f.agent = a.login AND fq.pbx = ?::text)
                                      ELSE a.pbx = ?::text END)
    ) x ORDER BY x.login`;

/**
 * Every call-center queue (and any other that has someone logged in) with its counts. `paused`
 * counts the members paused in that queue; `paused_by_reason` splits them by reason ("" for none);
 * `waiting` and `longest_wait_s` are the callers waiting now (live state, src/calls/board.ts).
 */
export async function listQueuesJson(
  db: Knex,
  waiting: (queue: string, pbx: string) => { waiting: number; longest_wait_s: number } = () => ({ waiting: 0, longest_wait_s: 0 }),
  filter: { pbx?: string } = {},
): Promise<string> {
  const { rows } = await db.raw<{ rows: Array<{ queue: string; pbx: string; logged_in: number; paused: number; reasons: Array<[string, number]> }> }>(
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
    SELECT q.name AS queue, q.pbx, coalesce(c.logged_in, 0) AS logged_in, coalesce(c.paused, 0) AS paused, coalesce(r.reasons, '[]') AS reasons
      FROM queues q
      LEFT JOIN c ON c.queue = q.name
      LEFT JOIN r ON r.queue = q.name
     WHERE (q.callcenter OR c.logged_in > 0) AND (?::text IS NULL OR q.pbx = ?::text)
     ORDER BY q.name
    `,
    [filter.pbx ?? null, filter.pbx ?? null],
  );
  return JSON.stringify(
    rows.map((r) => ({
      queue: r.queue,
      pbx: r.pbx,
      logged_in: r.logged_in,
      available: r.logged_in - r.paused,
      paused: r.paused,
      paused_by_reason: Object.fromEntries(r.reasons),
      ...waiting(r.queue, r.pbx),
    })),
  );
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Knex } from 'knex';
import type { CallView } from '../calls/board.js';
import type { Principal } from '../access/roles.js';
import { callsWithoutCallers } from '../live/callers.js';
import type { EventFeed } from '../live/feed.js';
import type { ClientFilter } from '../live/feed-client.js';
import { AGENT_STATES, type AgentFilter, type AgentState, listAgentsJson, listQueuesJson } from '../live/lists.js';
import { HTTP_ANSWERS, type HttpAnswer, JSON_TYPE, badParameterNamed } from './answers.js';

export interface LiveRoutes {
  db: Knex;
  feed: EventFeed;
  /** The queue calls this process sees; without it nobody is on a call and nobody waits. */
  calls?: CallView;
  send: (reply: FastifyReply, answer: HttpAnswer | { status: number; body: object }) => FastifyReply;
}

/**
 * The lists and the live feed. Who may read them is the access hook's to decide (app.ts), with
 * `token=` in the query string too, since EventSource cannot send a header.
 */
export function registerLive(app: FastifyInstance, r: LiveRoutes): void {
  const queryOf = (req: FastifyRequest) => (req.query ?? {}) as Record<string, string | string[] | undefined>;

  app.get('/api/agents', async (req, reply) => {
    const filter = agentFilter(queryOf(req));
    if (typeof filter === 'string') return r.send(reply, badParameterNamed(filter));
    const calls = r.calls;
    const byAgent = calls?.byAgent();
    const shown = byAgent && !req.principal?.showCallers ? callsWithoutCallers(byAgent) : byAgent;
    const list = await listAgentsJson(r.db, filter, shown);
    // encoded once: a text of megabytes would be measured, then encoded, on its way out
    return reply.code(200).type(JSON_TYPE).send(Buffer.from(`{"agents":${list}}`));
  });

  app.get('/api/queues', async (req, reply) => {
    const filter = agentFilter({ pbx: queryOf(req).pbx });
    if (typeof filter === 'string') return r.send(reply, badParameterNamed(filter));
    const calls = r.calls;
    const list = await listQueuesJson(r.db, calls ? (q, pbx) => calls.forQueue(q, pbx) : undefined, filter);
    return reply.code(200).type(JSON_TYPE).send(`{"queues":${list}}`);
  });

  /** The feed from `Last-Event-ID` (or `last_event_id=`, or now), as much of it as `filter` lets through. */
  const stream = async (req: FastifyRequest, reply: FastifyReply, filter: ClientFilter) => {
    const header = req.headers['last-event-id'];
    const resume = typeof header === 'string' && header !== '' ? header : single(queryOf(req).last_event_id);
    if (resume !== undefined && !/^\d{1,15}$/.test(resume)) return r.send(reply, badParameterNamed('last_event_id'));
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      // nginx and its kind buffer responses unless told not to
      'x-accel-buffering': 'no',
    });
    // A browser waits this long before it reconnects on its own.
    reply.raw.write('retry: 2000\n\n');
    await r.feed.subscribe(reply.raw, resume === undefined ? undefined : Number(resume), filter);
  };

  app.get('/api/events/stream', async (req, reply) => stream(req, reply, { hideCallers: !req.principal?.showCallers }));

  // the agent panel: its agent's own events only, resumable the same way
  app.get('/agent/events', async (req, reply) => {
    const principal = req.principal as Principal;
    // never the whole feed: a principal here always has its agent (the access table), this says so twice
    if (!principal.agent) return r.send(reply, HTTP_ANSWERS.forbidden);
    return stream(req, reply, { agent: principal.agent, hideCallers: !principal.showCallers });
  });

  app.addHook('preClose', async () => {
    await r.feed.close();
  });
}

/** The filter, or the name of the parameter that is wrong. */
function agentFilter(q: Record<string, string | string[] | undefined>): AgentFilter | 'queue' | 'state' | 'pbx' {
  const filter: AgentFilter = {};
  for (const key of ['queue', 'state', 'pbx'] as const) {
    const v = q[key];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v === '' || v.length > 256 || /[\p{Cc}\uFFFD]/u.test(v)) return key;
    if (key === 'state') {
      if (!(AGENT_STATES as readonly string[]).includes(v)) return key;
      filter.state = v as AgentState;
    } else filter[key] = v;
  }
  return filter;
}

function single(v: string | string[] | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

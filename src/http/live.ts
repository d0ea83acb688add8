import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Knex } from 'knex';
import { isDatabaseDown } from '../commands/errors.js';
import type { EventFeed } from '../live/feed.js';
import { AGENT_STATES, type AgentFilter, type AgentState, listAgentsJson, listQueuesJson } from '../live/lists.js';

export interface LiveRoutes {
  db: Knex;
  feed: EventFeed;
  /** The command API's access rule: the caller's address, or a token (header or `token=`). */
  allowed: (req: FastifyRequest, token: string | undefined) => boolean;
  send: (reply: FastifyReply, status: number, body: object) => FastifyReply;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const WALLBOARD = new URL('../../src/wallboard/', import.meta.url);

// The page's files, read once. Its script and style hold no data, so they load for anyone: the page
// itself answers 403 (and asks for a token) to a caller the access rule refuses.
const FILES: Record<string, { type: string; body: Buffer }> = Object.fromEntries(
  [
    ['wallboard.js', 'text/javascript; charset=utf-8'],
    ['wallboard.css', 'text/css; charset=utf-8'],
  ].map(([name, type]) => [name, { type: type!, body: readFileSync(new URL(name!, WALLBOARD)) }]),
);
const PAGE = readFileSync(new URL('index.html', WALLBOARD));

/** The lists, the live feed and the wallboard. */
export function registerLive(app: FastifyInstance, r: LiveRoutes): void {
  const queryOf = (req: FastifyRequest) => (req.query ?? {}) as Record<string, string | string[] | undefined>;
  const tokenOf = (req: FastifyRequest) => single(queryOf(req).token);

  app.get('/api/agents', async (req, reply) => {
    if (!r.allowed(req, tokenOf(req))) return r.send(reply, 403, { error: 'Forbidden' });
    const filter = agentFilter(queryOf(req));
    if (!filter) return r.send(reply, 400, { error: 'Argument list invalid' });
    const list = await read(req, () => listAgentsJson(r.db, filter));
    if (list === undefined) return r.send(reply, 503, { error: 'Database unavailable' });
    return reply.code(200).type(JSON_TYPE).send(`{"agents":${list}}`);
  });

  app.get('/api/queues', async (req, reply) => {
    if (!r.allowed(req, tokenOf(req))) return r.send(reply, 403, { error: 'Forbidden' });
    const list = await read(req, () => listQueuesJson(r.db));
    if (list === undefined) return r.send(reply, 503, { error: 'Database unavailable' });
    return reply.code(200).type(JSON_TYPE).send(`{"queues":${list}}`);
  });

  app.get('/api/events/stream', async (req, reply) => {
    if (!r.allowed(req, tokenOf(req))) return r.send(reply, 403, { error: 'Forbidden' });
    const header = req.headers['last-event-id'];
    const resume = typeof header === 'string' && header !== '' ? header : single(queryOf(req).last_event_id);
    if (resume !== undefined && !/^\d{1,15}$/.test(resume)) return r.send(reply, 400, { error: 'Argument list invalid' });
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      // nginx and its kind buffer responses unless told not to
      'x-accel-buffering': 'no',
    });
    // A browser waits this long before it reconnects on its own.
    reply.raw.write('retry: 2000\n\n');
    await r.feed.subscribe(reply.raw, resume === undefined ? undefined : Number(resume));
  });

  app.get('/wallboard', { config: { public: true } }, async (req, reply) => {
    const ok = r.allowed(req, tokenOf(req));
    return reply
      .code(ok ? 200 : 403)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('content-security-policy', "default-src 'self'; img-src 'self' data:")
      .header('referrer-policy', 'no-referrer')
      .send(PAGE);
  });
  for (const [name, file] of Object.entries(FILES)) {
    app.get(`/wallboard/${name}`, { config: { public: true } }, async (_req, reply) => reply.type(file.type).header('cache-control', 'no-cache').send(file.body));
  }

  app.addHook('preClose', async () => {
    await r.feed.close();
  });
}

function agentFilter(q: Record<string, string | string[] | undefined>): AgentFilter | undefined {
  const filter: AgentFilter = {};
  for (const key of ['queue', 'state'] as const) {
    const v = q[key];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v === '' || v.length > 256 || /[\p{Cc}\uFFFD]/u.test(v)) return undefined;
    if (key === 'state') {
      if (!(AGENT_STATES as readonly string[]).includes(v)) return undefined;
      filter.state = v as AgentState;
    } else filter.queue = v;
  }
  return filter;
}

function single(v: string | string[] | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** The database's answer, or undefined when it cannot be reached; anything else is a bug (500). */
async function read(req: FastifyRequest, query: () => Promise<string>): Promise<string | undefined> {
  try {
    return await query();
  } catch (err) {
    if (!isDatabaseDown(err)) throw err;
    req.log.warn({ url: req.url.split('?')[0], err: (err as Error).message }, 'list failed');
    return undefined;
  }
}

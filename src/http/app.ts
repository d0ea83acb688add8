import formbody from '@fastify/formbody';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Deps } from '../commands/deps.js';
import { type Outcome, OUTCOMES, messageOf } from '../commands/outcomes.js';
import { type CommandObserver, runCommand } from '../commands/run.js';
import { EventFeed } from '../live/feed.js';
import type { Metrics } from '../metrics.js';
import { defaultZone } from '../reports/params.js';
import { accessCheck } from './access.js';
import { registerLive } from './live.js';
import { openApiDocument } from './openapi.js';
import { registerReports } from './reports.js';
import { registerReportsView } from './reports-view.js';

export interface HttpDeps extends Deps {
  access: ReturnType<typeof accessCheck>;
  /** Readiness of each part, for /readyz. */
  readiness: () => Promise<Readiness>;
  /** The live feed (one per process); built here when not given. */
  feed?: EventFeed;
  /** Counts and times every command (metrics). */
  onCommand?: CommandObserver;
  /** Served at /metrics; without it, /metrics says the service keeps none (503). */
  metrics?: Metrics;
  /** The zone of a report that names none (default: the process's, from TZ). */
  reportZone?: string;
  /** Told of every route as it is registered (the OpenAPI test compares them with the document). */
  onRoute?: (route: { url: string; method: string | string[] }) => void;
}

export interface Readiness {
  database: boolean;
  pbx: boolean;
  detail?: Record<string, unknown>;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const PARAMS = ['command', 'agent', 'exten', 'queue', 'reason'] as const;

/** The drop-in replacement for `/api/agent.php`; `build` only, so tests can inject without a port. */
export function buildHttp(deps: HttpDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    // one line per command is logged below, with its answer; fastify's own per-request lines are off
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    trustProxy: false,
    return503OnClosing: false,
    routerOptions: { querystringParser: parseParams },
  });
  if (deps.onRoute) app.addHook('onRoute', deps.onRoute);
  void app.register(formbody, { parser: parseParams });
  // Some clients send a JSON content type with no body at all: the query string still counts.
  const json = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = body.toString();
    if (text.trim() === '') done(null, {});
    else json(req, text, done);
  });

  const send = (reply: FastifyReply, status: number, body: object) => reply.code(status).type(JSON_TYPE).send(JSON.stringify(body));

  // While shutting down, a request that still arrives on an open connection is refused plainly.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (_req, reply) => {
    if (closing) {
      reply.header('connection', 'close');
      return send(reply, 503, { error: 'Service unavailable' });
    }
  });

  // The one access rule of every API route and the wallboard.
  const allowed = (req: FastifyRequest, token: string | undefined) => deps.access(req.socket.remoteAddress, bearer(req) ?? token);

  const agentApi = async (req: FastifyRequest, reply: FastifyReply) => {
    const params = merge(req.query, req.body);
    if (!allowed(req, text(params.token))) {
      return send(reply, 403, { error: 'Forbidden' });
    }
    const raw = Object.fromEntries(PARAMS.map((k) => [k, params[k]]));
    const started = performance.now();
    const result = await runCommand(deps, raw, 'http');
    req.log.info(
      { command: text(raw.command), agent: text(raw.agent), answer: messageOf(result), ms: Math.round(performance.now() - started) },
      'http command',
    );
    return send(reply, OUTCOMES[result.kind].http, answerBody(result));
  };

  for (const url of ['/api/agent.php', '/api/agent']) {
    app.get(url, agentApi);
    app.post(url, agentApi);
  }

  registerLive(app, { db: deps.db, feed: deps.feed ?? new EventFeed(deps), allowed, send });

  /** The same rule for the routes beside the command API: a token from the header or the query string. */
  const byQuery = (req: FastifyRequest) => allowed(req, text((req.query as Record<string, unknown> | undefined)?.token));

  registerReports(app, { db: deps.db, allowed: byQuery, send, defaultZone: deps.reportZone ?? defaultZone() });
  registerReportsView(app);
  app.get('/metrics', async (req, reply) => {
    if (!byQuery(req)) return send(reply, 403, { error: 'Forbidden' });
    if (!deps.metrics) return send(reply, 503, { error: 'Service unavailable' });
    const body = await deps.metrics.scrape();
    return reply.code(200).type(deps.metrics.contentType).send(body);
  });
  const openapi = JSON.stringify(openApiDocument());
  app.get('/openapi.json', async (req, reply) => {
    if (!byQuery(req)) return send(reply, 403, { error: 'Forbidden' });
    return reply.code(200).type(JSON_TYPE).send(openapi);
  });

  app.get('/healthz', async (_req, reply) => send(reply, 200, { status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const r = await deps.readiness();
    const ok = r.database && r.pbx;
    return send(reply, ok ? 200 : 503, {
      status: ok ? 'ready' : 'not ready',
      database: r.database ? 'up' : 'down',
      pbx: r.pbx ? 'up' : 'down',
      ...r.detail,
    });
  });

  app.setNotFoundHandler((_req, reply) => send(reply, 404, { error: 'Not found' }));
  app.setErrorHandler((err: { statusCode?: number; code?: string; message: string }, req, reply) => {
    // Unparseable or oversized input is the caller's mistake and gets the contract's answer for it.
    const caller = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500;
    if (!caller) {
      req.log.error({ err: err.message }, 'unexpected error');
      return send(reply, 500, { error: 'Internal error' });
    }
    req.log.info({ code: err.code, err: err.message }, 'bad request');
    // 413 (too large) and 415 (unknown content type) say more than 400; the body is the contract's.
    const status = err.statusCode === 413 || err.statusCode === 415 ? err.statusCode : 400;
    return send(reply, status, { error: 'Argument list invalid' });
  });
  return app;
}

function answerBody(result: Outcome): Record<string, unknown> {
  const key = OUTCOMES[result.kind].result;
  if (result.kind === 'statusOk') return { [key]: messageOf(result), ...result.status };
  return { [key]: messageOf(result) };
}

/**
 * Query strings and form bodies: a repeated key becomes a list (which the commands refuse), and
 * invalid UTF-8 becomes U+FFFD (which they refuse too) rather than passing through undecoded.
 */
function parseParams(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  for (const [key, value] of new URLSearchParams(text)) {
    const prev = out[key];
    out[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

/** PHP's $_REQUEST: the query string, with body fields taking precedence. */
function merge(query: unknown, body: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const source of [query, body]) {
    if (source && typeof source === 'object' && !Array.isArray(source)) Object.assign(out, source);
  }
  return out;
}

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? /^Bearer\s+(\S+)$/i.exec(h) : null;
  return m?.[1];
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}


import type { BlockList } from 'node:net';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Deps } from '../commands/deps.js';
import { type Outcome, OUTCOMES, messageOf } from '../commands/outcomes.js';
import { type CommandObserver, runCommand } from '../commands/run.js';
import { EventFeed } from '../live/feed.js';
import { type AccessConfig, Credentials, type Resolution } from '../access/credentials.js';
import type { PanelLimits } from '../access/panel-sessions.js';
import type { Knex } from 'knex';
import type { Principal } from '../access/roles.js';
import { proxyTrust } from './access.js';
import { ROUTE_RULES, type Refusal, decide } from './routes.js';
import { HTTP_ANSWERS, type HttpAnswer, JSON_TYPE } from './answers.js';
import { MULTIPART_LIMITS, MultipartRefused, PARAMS, merge, parseParams, readMultipart } from './params.js';
import { clientErrorHandler, refuseConnect } from './raw-answers.js';
import { Metrics } from '../metrics.js';
import { defaultZone } from '../reports/params.js';
import { registerLive } from './live.js';
import { openApiDocument } from './openapi.js';
import { registerReports } from './reports.js';
import { restDueCache } from '../breaks/due.js';
import { registerPages } from './pages.js';
import { registerPanel } from './panel.js';
import type { RawCommand } from '../commands/input.js';
import { DEFAULT_PIN_GUARD, type PinGuard } from '../commands/pin.js';
import { registerWebhooks } from './webhooks.js';
import { isDatabaseDown } from '../commands/errors.js';

export interface HttpDeps extends Deps {
  /** API_ALLOW and API_TOKENS; keys and panel sign-ins are read from the database. */
  access: AccessConfig;
  /** The agent panel's sign-in limits (PANEL_IDLE_TIMEOUT_S, PANEL_SESSION_MAX_S). */
  panelLimits?: PanelLimits;
  /** Wrong PINs allowed before a sign-in is locked: the phone's, shared. */
  pinGuard?: PinGuard;
  /** TRUSTED_PROXIES: the only peers whose `X-Forwarded-For` is believed. */
  trustedProxies?: BlockList;
  /** Readiness of each part, for /readyz. */
  readiness: () => Promise<Readiness>;
  /** The live feed (one per process); built here when not given. */
  feed?: EventFeed;
  /** Counts and times every command (metrics). */
  onCommand?: CommandObserver;
  /**
   * Served at /metrics. Without it, the app keeps its own: its HTTP commands counted and timed, the
   * database gauges, its live-feed clients, and no FastAGI sessions (it has no FastAGI server).
   */
  metrics?: Metrics;
  /** The zone of a report that names none (default: the process's, from TZ). */
  reportZone?: string;
  /** Told of every route as it is registered (the OpenAPI test compares them with the document). */
  onRoute?: (route: { url: string; method: string | string[] }) => void;
}

export interface Readiness {
  database: boolean;
  /** At least one PBX is up (CONTRACT §9). */
  pbx: boolean;
  /** Each PBX by name, up or down. */
  pbxes?: Record<string, 'up' | 'down'>;
  detail?: Record<string, unknown>;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the credential says the caller is (decided before the body is read); none: nothing valid presented. */
    principal: Principal | undefined;
    /** A principal was found: the caller is someone the API knows. */
    allowed: boolean;
    /** Why the access table refuses this request; a page answers it itself (with the page), nothing else runs. */
    refusal: Refusal | undefined;
  }
}

/** The drop-in replacement for `/api/agent.php`; `build` only, so tests can inject without a port. */
export function buildHttp(deps: HttpDeps): FastifyInstance {
  const credentials = new Credentials(deps.db, deps.access, deps.panelLimits ?? DEFAULT_PANEL_LIMITS, deps.log);
  const insider = (address: string | undefined) => credentials.insider(address);
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    // one line per command is logged below, with its answer; fastify's own per-request lines are off
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    trustProxy: proxyTrust(deps.trustedProxies),
    return503OnClosing: false,
    // a HEAD must never run a command: only the health routes take it
    exposeHeadRoutes: false,
    clientErrorHandler: clientErrorHandler(deps.log as FastifyBaseLogger, insider),
    // a URL the router cannot decode: no hook has run, so access is decided here
    frameworkErrors: (_err, req, reply) => send(reply, insider(req.ip) ? HTTP_ANSWERS.badRequest : HTTP_ANSWERS.forbidden),
    routerOptions: { querystringParser: parseParams },
    // Node would answer a missing Host with an empty 400 of its own; the hook below answers it instead
    http: { requireHostHeader: false },
  });
  app.server.on('connect', refuseConnect(insider));
  // A client that half-closes after its request (a script's `printf … | nc`) still gets its answer,
  // also while its credential is looked up: by default Node ends such a socket before the request is read.
  (app.server as { httpAllowHalfOpen?: boolean }).httpAllowHalfOpen = true;
  if (deps.onRoute) app.addHook('onRoute', deps.onRoute);
  void app.register(formbody, { parser: parseParams });
  void app.register(multipart, { limits: MULTIPART_LIMITS });
  // Some clients send a JSON content type with no body at all: the query string still counts.
  const json = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = body.toString();
    if (text.trim() === '') done(null, {});
    else json(req, text, done);
  });
  app.decorateRequest('principal', undefined);
  app.decorateRequest('allowed', false);
  app.decorateRequest('refusal', undefined);

  // Who the caller is, and whether it may go on, is settled from the headers and the URL before
  // any body is read; a caller not allowed hears 403 and nothing else.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (req, reply) => {
    const url = req.routeOptions.url;
    const rule = url === undefined ? undefined : ROUTE_RULES[url];
    const presented = { authorization: req.headers.authorization, token: (req.query as Record<string, unknown> | undefined)?.token, cookie: req.headers.cookie };
    let found: Resolution;
    try {
      found = rule?.credential === 'panel' ? await credentials.resolvePanel(presented) : await credentials.resolve(req.ip, presented);
    } catch (err) {
      if (!isDatabaseDown(err)) throw err;
      req.log.warn({ err: (err as Error).message }, 'database unavailable: credentials cannot be checked');
      return send(reply, HTTP_ANSWERS.databaseDown);
    }
    req.principal = found.kind === 'principal' ? found.principal : undefined;
    req.allowed = req.principal !== undefined;
    // no route (404, 405): only a known caller learns which
    const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
    req.refusal =
      url === undefined
        ? req.allowed
          ? undefined
          : 'forbidden'
        : decide(rule, { principal: req.principal, expired: found.kind === 'expired' }, { method: req.method, origin, ownOrigin: `${req.protocol}://${req.host}` });
    if (req.refusal && !rule?.page) {
      req.log.info({ address: req.ip, url: req.url.split('?')[0], role: req.principal?.role, refusal: req.refusal }, 'refused');
      return send(reply, REFUSALS[req.refusal]);
    }
    if (req.raw.httpVersion === '1.1' && req.headers.host === undefined) return send(reply, HTTP_ANSWERS.badRequest);
    if (closing) {
      reply.header('connection', 'close');
      return send(reply, HTTP_ANSWERS.shuttingDown);
    }
  });

  const feed = deps.feed ?? new EventFeed(deps);
  const metrics = deps.metrics ?? new Metrics({ db: deps.db, pbx: { isConnected: () => deps.pbxes.anyUp() }, agiSessions: () => 0, liveFeedClients: () => feed.clientCount() });
  const commandDeps = deps.metrics || deps.onCommand ? deps : { ...deps, onCommand: metrics.onCommand };

  /** Every HTTP command, from the API or the agent panel: the one command path, then its answer. */
  const command = async (raw: RawCommand, principal: Principal, log: FastifyBaseLogger) => {
    const started = performance.now();
    const result = await runCommand(commandDeps, raw, { source: 'http', actor: principal.actor, principal });
    log.info(
      { command: text(raw.command), agent: text(raw.agent), actor: principal.actor, answer: messageOf(result), ms: Math.round(performance.now() - started) },
      'http command',
    );
    return { outcome: result, answer: { status: OUTCOMES[result.kind].http, body: answerBody(result) } };
  };

  const agentApi = async (req: FastifyRequest, reply: FastifyReply) => {
    const body = req.method === 'POST' && req.isMultipart() ? await readMultipart(req) : req.body;
    const params = merge(req.query, body);
    const raw = Object.fromEntries(PARAMS.map((k) => [k, params[k]]));
    return send(reply, (await command(raw, req.principal as Principal, req.log)).answer);
  };

  for (const url of ['/api/agent.php', '/api/agent']) {
    app.get(url, agentApi);
    app.post(url, agentApi);
  }

  registerLive(app, { db: deps.db, feed, calls: deps.calls, send });
  registerReports(app, { db: deps.db, send, defaultZone: deps.reportZone ?? defaultZone(), restDue: restDueCache(deps.db) });
  registerPages(app);
  registerPanel(app, {
    deps,
    credentials,
    limits: deps.panelLimits ?? DEFAULT_PANEL_LIMITS,
    pinGuard: deps.pinGuard ?? DEFAULT_PIN_GUARD,
    send,
    command: (raw, principal) => command(raw, principal, app.log),
  });
  registerWebhooks(app, { db: deps.db, send });
  app.get('/metrics', async (_req, reply) => {
    const body = await metrics.scrape();
    return reply.code(200).type(metrics.contentType).send(body);
  });
  const openapi = JSON.stringify(openApiDocument());
  app.get('/openapi.json', async (_req, reply) => reply.code(200).type(JSON_TYPE).send(openapi));

  app.addHook('onClose', async () => credentials.close());
  app.get('/api/me', async (req, reply) => send(reply, { status: 200, body: { success: 'OK', ...(await describe(deps.db, req.principal as Principal)) } }));

  app.route({ method: ['GET', 'HEAD'], url: '/healthz', handler: async (_req, reply) => send(reply, HTTP_ANSWERS.healthy) });
  app.route({
    method: ['GET', 'HEAD'],
    url: '/readyz',
    handler: async (req, reply) => {
      const r = await deps.readiness();
      const answer = r.database && r.pbx ? HTTP_ANSWERS.ready : HTTP_ANSWERS.notReady;
      // up or down is anyone's to know; what is down and why only for callers the API lets in
      if (!req.allowed) return send(reply, answer);
      const detail = { database: r.database ? 'up' : 'down', pbx: r.pbx ? 'up' : 'down', ...(r.pbxes ? { pbxes: r.pbxes } : {}), ...r.detail };
      return send(reply, { status: answer.status, body: { ...answer.body, ...detail } });
    },
  });

  app.setNotFoundHandler((req, reply) => {
    const methods = ROUTE_RULES[req.url.split('?')[0] ?? '']?.methods;
    if (methods) return send(reply.header('allow', methods.join(', ')), HTTP_ANSWERS.methodNotAllowed);
    return send(reply, HTTP_ANSWERS.notFound);
  });
  app.setErrorHandler((err: { statusCode?: number; code?: string; message: string }, req, reply) => {
    if (req.refusal) return send(reply, REFUSALS[req.refusal]);
    // Unparseable or oversized input is the caller's mistake and gets the contract's answer for it.
    const caller = err instanceof MultipartRefused || (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500);
    // A list, the feed, a report or the deliveries could not be read: Postgres away is the caller's
    // to know (the commands answer it through their own outcome); anything else is a bug.
    if (isDatabaseDown(err)) {
      req.log.warn({ url: req.url.split('?')[0], err: err.message }, 'database unavailable');
      return send(reply, HTTP_ANSWERS.databaseDown);
    }
    if (!caller) {
      req.log.error({ err: err.message }, 'unexpected error');
      return send(reply, HTTP_ANSWERS.internal);
    }
    req.log.info({ code: (err as { code?: string }).code, err: err.message }, 'bad request');
    const answer =
      err.statusCode === 413 ? HTTP_ANSWERS.bodyTooLarge : err.statusCode === 415 ? HTTP_ANSWERS.unsupportedType : HTTP_ANSWERS.badBody;
    return send(reply, answer);
  });
  return app;
}

const DEFAULT_PANEL_LIMITS: PanelLimits = { idleS: 1800, maxS: 43_200 };

const REFUSALS: Record<Refusal, HttpAnswer> = { forbidden: HTTP_ANSWERS.forbidden, signIn: HTTP_ANSWERS.signIn, expired: HTTP_ANSWERS.sessionExpired };

/**
 * `GET /api/me`: what a credential may, for the pages to show only what it can do. A credential that
 * may pause other agents gets the configured reasons too, so the wallboard can offer them.
 */
async function describe(db: Knex, p: Principal): Promise<Record<string, unknown>> {
  const me = { role: p.role, actor: p.actor, agent: p.agent ?? null, queues: p.role === 'supervisor' ? (p.queues ?? null) : null, show_callers: p.showCallers };
  if (p.role !== 'supervisor' && p.role !== 'admin') return me;
  const reasons: Array<{ code: number; name: string }> = await db('pause_reasons').select('code', 'name').orderBy('code');
  return { ...me, reasons };
}

function send(reply: FastifyReply, answer: { status: number; body: object } | HttpAnswer) {
  return reply.code(answer.status).type(JSON_TYPE).send(JSON.stringify(answer.body));
}

function answerBody(result: Outcome): Record<string, unknown> {
  const key = OUTCOMES[result.kind].result;
  if (result.kind === 'statusOk') return { [key]: messageOf(result), ...result.status };
  return { [key]: messageOf(result) };
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

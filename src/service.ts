import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { AmiPbx } from './ami/client.js';
import { PbxSet } from './ami/pbxes.js';
import { CallBoards } from './calls/boards.js';
import { Claims } from './commands/claims.js';
import type { Deps } from './commands/deps.js';
import type { Config } from './config.js';
import { openDatabase, type Database } from './db/connect.js';
import { migrate } from './db/migrate.js';
import { accessCheck } from './access/credentials.js';
import { buildHttp } from './http/app.js';
import { Lamps } from './lamps/lamps.js';
import { EventFeed } from './live/feed.js';
import { handleCall } from './agi/flows/route.js';
import { createAgiServer } from './agi/server.js';
import type { Logger } from './log.js';
import { Metrics } from './metrics.js';
import { Keeper } from './sync/keeper.js';
import { PausePolicy } from './sync/policy.js';
import { PendingPauses } from './sync/pending.js';
import { Presence } from './sync/presence.js';
import { WebhookWorker } from './webhooks/worker.js';

export interface Service {
  http: FastifyInstance;
  httpPort: number;
  metrics: Metrics;
  db: Database;
  /** Every PBX's AMI connection (CONTRACT §9). */
  pbxes: PbxSet;
  keeper: Keeper;
  /** The pause rules' job (overdue pauses). */
  policy: PausePolicy;
  /** The queue calls this process sees (live state), one board per PBX. */
  calls: CallBoards;
  deps: Deps;
  agiPort: number;
  /** The live feed; `feed.clientCount()` is the number of connected clients. */
  feed: EventFeed;
  /** Sends the webhook outbox. */
  webhooks: WebhookWorker;
  /** Runs at shutdown, after the listeners stop and before the database closes. */
  onClose(fn: () => Promise<void>): void;
  close(): Promise<void>;
}

/** Everything `agentgate serve` runs, built from a config; the caller owns signals and exit. */
export async function startService(config: Config, log: Logger, opts: { demo?: boolean } = {}): Promise<Service> {
  const db = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR });
  if (db.kind === 'pglite' && !opts.demo) {
    // a newcomer who forgot DATABASE_URL must see where the data goes, and that it is not a server
    log.warn(
      { database: db.kind, where: db.where },
      `database opened: the embedded database in ${db.where}, as DATABASE_URL is not set (one process only; for production set DATABASE_URL=postgres://…)`,
    );
  } else log.info({ database: db.kind, where: db.where }, `database opened: ${db.where}`);
  try {
    const applied = await migrate(db.knex);
    if (applied.length) log.info({ applied }, 'migrations applied');
  } catch (err) {
    await db.close();
    throw err;
  }

  // the FastAGI server, the feed and the calls are built below; the gauges read them at scrape time
  let agiSessions = () => 0;
  let feedClients = () => 0;
  let callBoards: CallBoards | undefined;
  let pbxesUp = () => false;
  let health = (): Record<string, 'up' | 'down'> => ({});
  const metrics = new Metrics({ db: db.knex, pbx: { isConnected: () => pbxesUp() }, pbxes: () => health(), agiSessions: () => agiSessions(), liveFeedClients: () => feedClients(), calls: () => callBoards });
  // one connection per provisioned PBX, each timed; they connect once everything that listens to them is wired
  let pbxes: PbxSet;
  try {
    pbxes = await PbxSet.open(db.knex, {
      make: (a) =>
        metrics.instrumentPbx(new AmiPbx({ host: a.host, port: a.port, username: a.username, secret: a.secret, timeoutMs: config.AMI_TIMEOUT_MS, logger: log.child({ pbx: a.name }), settings: a.settings }), a.name),
      fallback: { host: config.AMI_HOST, port: config.AMI_PORT, username: config.AMI_USERNAME, secret: config.AMI_SECRET },
      secretOf: config.secretOf,
      log,
    });
  } catch (err) {
    await db.close();
    throw err;
  }
  pbxesUp = () => pbxes.anyUp();
  health = () => pbxes.health();
  const deps: Deps & { onCommand: Metrics['onCommand'] } = {
    db: db.knex,
    pbxes,
    log,
    memberInterface: config.MEMBER_INTERFACE,
    claims: new Claims(config.AMI_TIMEOUT_MS),
    lamps: new Lamps(pbxes, log),
    onCommand: metrics.onCommand,
  };
  const keeper = new Keeper(deps, { reconcileMs: config.RECONCILE_INTERVAL_S * 1000, onResync: metrics.onResync });
  // Before anything claims: what a process that died left is freed for the first resync to settle.
  const presence = new Presence(db, deps.claims.holder, log, (t) => keeper.tookOver(t));
  try {
    await presence.start();
  } catch (err) {
    await presence.stop();
    await pbxes.close();
    await db.close();
    throw err;
  }
  keeper.attach();
  const policy = new PausePolicy(deps);
  policy.attach();
  const pending = new PendingPauses(deps);
  pending.start();

  const feed = new EventFeed(deps);
  feedClients = () => feed.clientCount();
  // before the first connect: each PBX's QueueStatus is what its calls start from
  const calls = new CallBoards({ db: db.knex, pbxes, log, announce: (event, data) => feed.announce(event, data) });
  calls.attach();
  callBoards = calls;
  deps.calls = calls;
  pbxes.start();
  const http = buildHttp({
    ...deps,
    feed,
    access: accessCheck(config.API_ALLOW, config.API_TOKENS),
    panelLimits: { idleS: config.PANEL_IDLE_TIMEOUT_S, maxS: config.PANEL_SESSION_MAX_S },
    pinGuard: { maxFailures: config.PIN_MAX_FAILURES, windowS: config.PIN_WINDOW_S, lockoutS: config.PIN_LOCKOUT_S },
    trustedProxies: config.TRUSTED_PROXIES,
    metrics,
    readiness: async () => ({
      database: await databaseUp(db),
      pbx: pbxes.anyUp(),
      pbxes: pbxes.health(),
      detail: {
        resync: keeper.lastError ? { error: keeper.lastError } : keeper.last ? { at: keeper.lastAt, ...keeper.last } : 'pending',
      },
    }),
  });
  const agi = createAgiServer({
    host: config.AGI_HOST,
    port: config.AGI_PORT,
    allow: config.AGI_ALLOW,
    maxSessions: config.AGI_MAX_SESSIONS,
    envTimeoutMs: 5000,
    commandTimeoutMs: 15_000,
    sessionTimeoutMs: 300_000,
    logger: log.child({ component: 'agi' }),
    handler: async (session, sessionLog, peer) => {
      const options = {
        pinGuard: { maxFailures: config.PIN_MAX_FAILURES, windowS: config.PIN_WINDOW_S, lockoutS: config.PIN_LOCKOUT_S },
        promptLanguage: config.PROMPT_LANGUAGE,
        callerIdFallback: config.AGI_CALLERID_FALLBACK,
      };
      await handleCall(deps, session, sessionLog, options, peer);
    },
  });
  agiSessions = () => agi.activeSessions();
  /** Stops what runs by itself off AMI and the clock, and waits for what it has under way. */
  const stopJobs = async () => {
    keeper.stop();
    policy.stop();
    pending.stop();
    calls.stop();
    await Promise.all([keeper.idle(), policy.idle(), pending.idle(), calls.idle()]);
    await presence.stop();
  };
  let httpPort: number;
  let agiPort: number;
  try {
    await listenNaming('HTTP', config.HTTP_HOST, config.HTTP_PORT, () => http.listen({ host: config.HTTP_HOST, port: config.HTTP_PORT }));
    httpPort = (http.server.address() as AddressInfo).port;
    agiPort = await listenNaming('AGI', config.AGI_HOST, config.AGI_PORT, () => agi.listen());
  } catch (err) {
    // everything started above, in the order of a shutdown (AMI may be up and a resync under way);
    // the feed closes with the HTTP server
    await Promise.all([http.close(), agi.close(0)]);
    await stopJobs();
    await pbxes.close();
    await db.close();
    throw err;
  }
  log.info({ http: httpPort, agi: agiPort }, 'listening');
  const webhooks = new WebhookWorker(
    { db: db.knex, log: log.child({ component: 'webhooks' }), observer: metrics.webhooks },
    { timeoutMs: config.WEBHOOK_TIMEOUT_MS, concurrency: config.WEBHOOK_CONCURRENCY },
  );
  webhooks.start();

  const hooks: Array<() => Promise<void>> = [];
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      // Stop accepting; in-flight HTTP commands and phone calls finish (bounded) before AMI and the database close.
      await Promise.all([closeHttp(http, config.SHUTDOWN_GRACE_MS), agi.close(config.SHUTDOWN_GRACE_MS)]);
      log.debug('listeners closed');
      await stopJobs();
      log.debug('resync and events settled');
      await webhooks.stop();
      for (const hook of hooks) await hook().catch((err: Error) => log.warn({ err: err.message }, 'shutdown step failed'));
      await pbxes.close();
      await db.close();
    })());
  return { http, httpPort, metrics, db, pbxes, keeper, policy, calls, deps, agiPort, feed, webhooks, onClose: (fn) => hooks.push(fn), close };
}

/**
 * Stops accepting and lets in-flight requests answer. Keep-alive connections that fall idle after
 * the close began are closed as they do; whatever is left after the grace period is cut.
 */
async function closeHttp(http: FastifyInstance, graceMs: number): Promise<void> {
  const sweep = setInterval(() => http.server.closeIdleConnections(), 50);
  const cut = setTimeout(() => http.server.closeAllConnections(), graceMs);
  try {
    await http.close();
  } finally {
    clearInterval(sweep);
    clearTimeout(cut);
  }
}

/** A port in use or an address not on this machine, said with the setting that changes it. */
async function listenNaming<T>(kind: 'HTTP' | 'AGI', host: string, port: number, listen: () => Promise<T>): Promise<T> {
  try {
    return await listen();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new Error(`${kind}_PORT=${port}: ${host}:${port} is already in use by another process (EADDRINUSE): stop it or set another ${kind}_PORT`);
    if (code === 'EADDRNOTAVAIL') throw new Error(`${kind}_HOST=${host} is not an address of this machine (EADDRNOTAVAIL): set ${kind}_HOST to one of its addresses, or 0.0.0.0`);
    if (code === 'EACCES') throw new Error(`${kind}_PORT=${port} needs privileges this process lacks (EACCES): use a port above 1023`);
    throw err;
  }
}

async function databaseUp(db: Database): Promise<boolean> {
  try {
    await db.knex.raw('select 1').timeout(2000);
    return true;
  } catch {
    return false;
  }
}

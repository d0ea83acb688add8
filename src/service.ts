import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { AmiPbx } from './ami/client.js';
import type { Deps } from './commands/deps.js';
import type { Config } from './config.js';
import { openDatabase, type Database } from './db/connect.js';
import { migrate } from './db/migrate.js';
import { accessCheck } from './http/access.js';
import { buildHttp } from './http/app.js';
import type { Logger } from './log.js';
import { Keeper } from './sync/keeper.js';

export interface Service {
  http: FastifyInstance;
  httpPort: number;
  db: Database;
  pbx: AmiPbx;
  keeper: Keeper;
  deps: Deps;
  agiPort: number;
  /** Runs at shutdown, after the listeners stop and before the database closes. */
  onClose(fn: () => Promise<void>): void;
  close(): Promise<void>;
}

/** Everything `agentgate serve` runs, built from a config; the caller owns signals and exit. */
export async function startService(config: Config, log: Logger): Promise<Service> {
  const db = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR });
  log.info({ database: db.kind, where: db.where }, 'database opened');
  try {
    const applied = await migrate(db.knex);
    if (applied.length) log.info({ applied }, 'migrations applied');
  } catch (err) {
    await db.close();
    throw err;
  }

  const pbx = new AmiPbx({
    host: config.AMI_HOST,
    port: config.AMI_PORT,
    username: config.AMI_USERNAME,
    secret: config.AMI_SECRET,
    timeoutMs: config.AMI_TIMEOUT_MS,
    logger: log,
  });

  const deps: Deps = { db: db.knex, pbx, log, memberInterface: config.MEMBER_INTERFACE };
  const keeper = new Keeper(deps);
  deps.onUncertain = keeper.uncertain;
  keeper.attach();
  pbx.start();

  const http = buildHttp({
    ...deps,
    access: accessCheck(config.API_ALLOW, config.API_TOKENS),
    readiness: async () => ({
      database: await databaseUp(db),
      pbx: pbx.isConnected(),
      detail: {
        resync: keeper.lastError ? { error: keeper.lastError } : keeper.last ? { at: keeper.lastAt, ...keeper.last } : 'pending',
      },
    }),
  });
  await http.listen({ host: config.HTTP_HOST, port: config.HTTP_PORT });
  const httpPort = (http.server.address() as AddressInfo).port;
  log.info({ msg: 'listening', http: httpPort });

  const hooks: Array<() => Promise<void>> = [];
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await http.close();
      keeper.stop();
      for (const hook of hooks) await hook().catch((err: Error) => log.warn({ err: err.message }, 'shutdown step failed'));
      await pbx.close();
      await db.close();
    })());
  return { http, httpPort, db, pbx, keeper, deps, agiPort: 0, onClose: (fn) => hooks.push(fn), close };
}

async function databaseUp(db: Database): Promise<boolean> {
  try {
    await db.knex.raw('select 1').timeout(2000);
    return true;
  } catch {
    return false;
  }
}

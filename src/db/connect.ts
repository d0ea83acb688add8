import { existsSync, mkdirSync, openSync, closeSync, readFileSync, writeFileSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import pg from 'pg';

export interface Database {
  knex: Knex;
  kind: 'postgres' | 'pglite';
  /** Where it lives, without credentials: for logs. */
  where: string;
  close(): Promise<void>;
}

// bigint and numeric come back as strings from pg; ours fit in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export async function openDatabase(opts: { url?: string | undefined; dataDir: string }): Promise<Database> {
  return opts.url ? openServer(opts.url) : openEmbedded(opts.dataDir);
}

// knex prints pool errors to the console; they reach us as rejected queries anyway.
const quiet = { warn() {}, error() {}, deprecate() {}, debug() {} };

async function openServer(url: string): Promise<Database> {
  const knex = knexFactory({
    client: 'pg',
    log: quiet,
    connection: {
      connectionString: url,
      application_name: 'agentgate',
      statement_timeout: 15_000,
      idle_in_transaction_session_timeout: 60_000,
      connectionTimeoutMillis: 5_000,
    },
    pool: { min: 0, max: 20, acquireTimeoutMillis: 10_000 },
    acquireConnectionTimeout: 10_000,
  });
  const where = safeUrl(url);
  // "database opened" means a connection worked: a wrong host or password stops the start here.
  try {
    await knex.raw('select 1');
  } catch (err) {
    await knex.destroy();
    throw new DatabaseUnreachable(`cannot connect to ${where}: ${(err as Error).message}`);
  }
  return { knex, kind: 'postgres', where, close: () => knex.destroy() };
}

async function openEmbedded(dataDir: string): Promise<Database> {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const release = takeLock(join(dir, 'agentgate.lock'));
  const open = async () => {
    const knex = knexFactory({
      client: ClientPgLite as unknown as typeof Knex.Client,
      dialect: 'postgres',
      connection: { filename: join(dir, 'pgdata') },
      log: quiet,
    });
    await knex.raw('select 1');
    return knex;
  };
  try {
    const fresh = !existsSync(join(dir, 'pgdata'));
    let knex = await open();
    // Creating the database leaves PGlite holding ~400 MB more than a reopened one: start again.
    if (fresh) {
      await knex.destroy();
      knex = await open();
    }
    return {
      knex,
      kind: 'pglite',
      where: dir,
      close: async () => {
        try {
          await knex.destroy();
        } finally {
          release();
        }
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}

export class DataDirLocked extends Error {}
export class DatabaseUnreachable extends Error {}

/**
 * PGlite has no lock of its own and two processes on one directory corrupt it. The lock file holds
 * the owner's PID; a file left by a process that is gone is taken over.
 */
function takeLock(path: string): () => void {
  for (let i = 0; i < 2; i++) {
    try {
      const fd = openSync(path, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          unlinkSync(path);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(owner) && owner > 0 && alive(owner)) {
        throw new DataDirLocked(
          `the embedded database in ${resolve(path, '..')} is in use by process ${owner} (a running agentgate serve or demo). ` +
            'The embedded database takes one process at a time: stop the service first, or run the service on a Postgres server (DATABASE_URL) to provision while it runs.',
        );
      }
      unlinkSync(path);
    }
  }
  throw new DataDirLocked(`cannot lock ${path}`);
}

/** Whether a process with this PID still runs (owned by anyone). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    return u.toString();
  } catch {
    return 'postgres';
  }
}

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type Database, alive, openDatabase } from '../../src/db/connect.js';
import { migrate } from '../../src/db/migrate.js';

/** The Postgres every developer machine and CI has; `TEST_PG_URL` points elsewhere. */
const ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDb extends Database {
  url: string | undefined;
  /** Multi-connection tests need a server; on PGlite they are skipped (and say so). */
  server: boolean;
  drop(): Promise<void>;
}

let reachable: Promise<boolean> | undefined;
export function postgresReachable(): Promise<boolean> {
  reachable ??= (async () => {
    const c = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2000 });
    try {
      await c.connect();
      await c.end();
      return true;
    } catch {
      return false;
    }
  })();
  return reachable;
}

function dbUrl(name: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * A fresh database for one test file, migrated from scratch and dropped by `drop()`: nothing is
 * left on the server after a run (no template either). Databases left by a test process that died
 * are dropped on the way. Without a server: PGlite in a temp dir, removed by `drop()`.
 */
export async function freshDatabase(): Promise<TestDb> {
  if (!(await postgresReachable())) {
    const dir = mkdtempSync(join(tmpdir(), 'agentgate-test-'));
    const db = await openDatabase({ dataDir: dir });
    await migrate(db.knex);
    return {
      ...db,
      url: undefined,
      server: false,
      drop: async () => {
        await db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const empty = await emptyDatabase();
  const db = await openDatabase({ url: empty.url, dataDir: '' });
  await migrate(db.knex);
  return {
    ...db,
    url: empty.url,
    server: true,
    drop: async () => {
      await db.close();
      await empty.drop();
    },
  };
}

/** A database on the server with nothing in it, not even migrations; `drop()` removes it. */
export async function emptyDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `agentgate_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await dropOrphans(admin);
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  return {
    url: dbUrl(name),
    drop: async () => {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** Test databases whose test process is gone (killed before its `after` ran). */
async function dropOrphans(admin: pg.Client): Promise<void> {
  const { rows } = await admin.query<{ datname: string }>("select datname from pg_database where datname like 'agentgate\\_t\\_%'");
  for (const { datname } of rows) {
    const pid = Number(/^agentgate_t_(\d+)_/.exec(datname)?.[1]);
    if (Number.isInteger(pid) && pid > 0 && alive(pid)) continue;
    await admin.query(`drop database if exists ${datname} with (force)`).catch(() => undefined);
  }
}

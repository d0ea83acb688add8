import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type Database, openDatabase } from '../../src/db/connect.js';
import { migrate, readMigrations } from '../../src/db/migrate.js';

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
 * A fresh database for one test file: cloned from a template migrated once (its name carries a hash
 * of the migrations, so a changed schema gets a new template). Without a server: PGlite in a temp dir.
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
  const migrations = readMigrations();
  const hash = createHash('sha256').update(JSON.stringify(migrations)).digest('hex').slice(0, 12);
  const template = `agentgate_tpl_${hash}`;
  const name = `agentgate_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    // One client, one session: this advisory lock is not shared through a pool.
    await admin.query('select pg_advisory_lock(7346099)');
    const exists = await admin.query('select 1 from pg_database where datname = $1', [template]);
    if (exists.rowCount === 0) {
      await admin.query(`create database ${template}`);
      const tpl = await openDatabase({ url: dbUrl(template), dataDir: '' });
      await migrate(tpl.knex, migrations);
      await tpl.close();
    }
    await admin.query(`create database ${name} template ${template}`);
    await admin.query('select pg_advisory_unlock(7346099)');
  } finally {
    await admin.end();
  }
  const url = dbUrl(name);
  const db = await openDatabase({ url, dataDir: '' });
  return {
    ...db,
    url,
    server: true,
    drop: async () => {
      await db.close();
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

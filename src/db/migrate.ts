import { readdirSync, readFileSync } from 'node:fs';
import type { Knex } from 'knex';

/** The repository's sql/ folder, from src/db (tsx) and dist/db (built) alike. */
export const SQL_DIR = new URL('../../sql/', import.meta.url);

// Any constant: every instance takes the same transaction lock before looking at the schema.
export const MIGRATION_LOCK = 7_346_001;

export interface Migration {
  id: string;
  statements: string[];
}

export function readMigrations(dir: URL = SQL_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_.+\.sql$/.test(f))
    .sort()
    .map((file) => ({ id: file.replace(/\.sql$/, ''), statements: splitStatements(readFileSync(new URL(file, dir), 'utf8')) }));
}

/**
 * Our SQL files keep one statement per `;` at a line end (PGlite cannot run several in one call);
 * a `$$`-quoted function body is one statement whatever it contains.
 */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (const line of sql.split('\n')) {
    const uncommented = quoted ? line : line.replace(/^\s*--.*$/, '');
    current += `${uncommented}\n`;
    if ((line.match(/\$\$/g) ?? []).length % 2 === 1) quoted = !quoted;
    if (!quoted && /;[ \t]*(?:--[^\n]*)?$/.test(line)) {
      out.push(current.replace(/;[ \t]*(?:--[^\n]*)?\n$/, '').trim());
      current = '';
    }
  }
  out.push(current.trim());
  return out.filter((s) => s !== '');
}

/**
 * Applies what is missing, each migration in its own transaction that records it. Two instances
 * starting at once serialise on a transaction-scoped advisory lock; the second finds nothing to do.
 */
export async function migrate(knex: Knex, migrations: Migration[] = readMigrations()): Promise<string[]> {
  const applied: string[] = [];
  for (const m of migrations) {
    const done = await knex.transaction(async (trx) => {
      await trx.raw('select pg_advisory_xact_lock(?)', [MIGRATION_LOCK]);
      await trx.raw(
        'create table if not exists schema_migrations (id text primary key, applied_at timestamptz not null default now())',
      );
      const seen = await trx('schema_migrations').where({ id: m.id }).first();
      if (seen) return false;
      await trx('schema_migrations').insert({ id: m.id });
      for (const statement of m.statements) await trx.raw(statement);
      return true;
    });
    if (done) applied.push(m.id);
  }
  return applied;
}

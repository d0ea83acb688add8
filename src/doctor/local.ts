import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PROMPTS, PROMPT_LANGUAGES, promptFilePath } from '../agi/prompts.js';
import type { Config } from '../config.js';
import { DataDirLocked, DatabaseUnreachable, openDatabase } from '../db/connect.js';
import { readMigrations } from '../db/migrate.js';
import { type Finding, fail, ok, warn } from './report.js';

const MIGRATE = 'run agentgate migrate (serve also migrates when it starts)';

/** Reachable, and every migration of this version applied. */
export async function checkDatabase(config: Pick<Config, 'DATABASE_URL' | 'DATA_DIR'>): Promise<Finding> {
  const what = 'database';
  // never create an embedded database where there is none: that is migrate's job
  if (!config.DATABASE_URL && !existsSync(join(resolve(config.DATA_DIR), 'pgdata'))) {
    return fail(what, `DATABASE_URL is not set and there is no embedded database in ${resolve(config.DATA_DIR)} (DATA_DIR)`, `set DATABASE_URL=postgres://… for a Postgres server, or ${MIGRATE}`);
  }
  let db: Awaited<ReturnType<typeof openDatabase>>;
  try {
    db = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR });
  } catch (err) {
    if (err instanceof DataDirLocked) return warn(what, 'the embedded database is held by a running agentgate, so it cannot be opened here', 'stop the service to check it, or trust its start-up log');
    if (err instanceof DatabaseUnreachable) return fail(what, err.message, 'fix DATABASE_URL (host, port, user, password, database name) or start that Postgres');
    throw err;
  }
  try {
    const table = await db.knex.raw<{ rows: Array<{ t: string | null }> }>("select to_regclass('schema_migrations')::text as t");
    const have = new Set(table.rows[0]?.t ? ((await db.knex('schema_migrations').pluck('id')) as string[]) : []);
    const wanted = readMigrations().map((m) => m.id);
    const missing = wanted.filter((id) => !have.has(id));
    if (missing.length) {
      return fail(what, `${db.where}: ${missing.length} of ${wanted.length} migrations not applied (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''})`, MIGRATE);
    }
    return ok(what, `${db.where} (${db.kind}) reachable, all ${wanted.length} migrations applied`);
  } finally {
    await db.close();
  }
}

/**
 * Every prompt in every shipped language, in Asterisk's sounds folder (when it is on this machine).
 * `asteriskAt`: where Asterisk runs and the setting that says so, `127.0.0.1 (AMI_HOST)`.
 */
export function checkPrompts(soundsDir: string | undefined, asteriskLocal: boolean, asteriskAt: string): Finding[] {
  if (soundsDir === undefined && !asteriskLocal) {
    return [
      warn('prompts', `Asterisk runs on ${asteriskAt}, so its sounds folder is not on this machine: not checked`, 'on the Asterisk host run agentgate prompts install (or agentgate doctor --sounds <its sounds folder> there)'),
    ];
  }
  const dir = resolve(soundsDir ?? '/var/lib/asterisk/sounds');
  const install = `agentgate prompts install ${dir} (on the Asterisk host)`;
  if (!existsSync(dir)) return [fail('prompts', `no sounds folder at ${dir}`, `${install}, or --sounds <Asterisk's sounds folder>`)];
  return PROMPT_LANGUAGES.map((lang) => {
    const files = Object.values(PROMPTS);
    const missing = files.filter((f) => !existsSync(promptFilePath(dir, lang, f)));
    const folder = join(dir, lang, 'agentgate');
    if (missing.length === 0) return ok(`prompts (${lang})`, `all ${files.length} in ${folder}`);
    const some = missing.slice(0, 3).map((f) => f.replace(/^agentgate\//, '')).join(', ');
    return fail(`prompts (${lang})`, `${missing.length} of ${files.length} missing in ${folder} (${some}${missing.length > 3 ? ', …' : ''})`, install);
  });
}

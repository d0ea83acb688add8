import { openDatabase } from '../../src/db/connect.js';
const URL = 'postgres://postgres@127.0.0.1:5432/agentgate_scratch_breaks';
async function main() {
  const db = await openDatabase({ url: URL, dataDir: '' });
  const k = db.knex;
  // capture the SQL the list runs
  let sql = ''; let b: unknown[] = [];
  const fake = { raw: (s: string, bindings: unknown[]) => { sql = s; b = bindings; return k.raw(s, bindings as never); } };
  const { listAgentsJson } = await import('../../src/live/lists.js');
  await listAgentsJson(fake as never);
  const { rows } = await k.raw('explain (analyze, buffers) ' + sql, b as never);
  for (const r of rows as Array<Record<string, string>>) console.log(r['QUERY PLAN']);
  await db.close();
}
void main();

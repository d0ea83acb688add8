import { openDatabase } from '../../src/db/connect.js';
import { migrate } from '../../src/db/migrate.js';
import { breaksReport, parseBreaksRequest } from '../../src/breaks/report.js';
import { pauseReport } from '../../src/reports/pauses.js';
import { parseReportRequest } from '../../src/reports/params.js';
import pg from 'pg';
const REPORT_EVENTS = `
insert into events (at, agent, exten, queue, kind, reason, source)
select (d + time '08:00' + make_interval(mins => a % 60, secs => s.off + (a * 7 + extract(day from d)::int * 13) % 300)) at time zone 'America/Sao_Paulo',
       (5000 + a)::text, (3000 + a)::text, s.queue, s.kind,
       case when s.kind = 'pause' and s.queue is null then (array['Almoco', 'Banheiro', 'Treinamento', null])[1 + (a + s.n + extract(day from d)::int) % 4] end,
       s.source
  from generate_series(1, ?::int) a
 cross join (select date '2026-10-01' + ?::int as d) d
 cross join (values
   (0, 0, 'support', 'login', 'http'), (0, 1, 'sales', 'login', 'http'),
   (1, 3600, null, 'pause', 'http'), (1, 4200, null, 'unpause', 'http'),
   (2, 7200, null, 'pause', 'phone'), (2, 7500, null, 'unpause', 'phone'),
   (3, 10800, null, 'pause', 'http'), (3, 12600, null, 'unpause', 'http'),
   (4, 14400, null, 'pause', 'phone'), (4, 15000, null, 'unpause', 'phone'),
   (5, 18000, null, 'pause', 'http'), (5, 18900, null, 'unpause', 'http'),
   (6, 21600, null, 'pause', 'http'), (6, 22200, null, 'unpause', 'http'),
   (7, 25200, 'sales', 'pause', 'pbx'), (7, 25800, 'sales', 'unpause', 'pbx'),
   (8, 32400, 'support', 'logoff', 'http'), (8, 32401, 'sales', 'logoff', 'http')
 ) s(n, off, queue, kind, source)`;
const URL = 'postgres://postgres@127.0.0.1:5432/agentgate_scratch_breaks';
async function main() {
  const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  await admin.connect();
  const exists = (await admin.query("select 1 from pg_database where datname = 'agentgate_scratch_breaks'")).rowCount;
  if (!exists) await admin.query('create database agentgate_scratch_breaks');
  await admin.end();
  const db = await openDatabase({ url: URL, dataDir: '' });
  if (!exists) {
    await migrate(db.knex);
    await db.knex.raw(`insert into agents (login, name) select (5000 + a)::text, 'Agent ' || (5000 + a) from generate_series(1, 2000) a`);
    for (let day = 0; day < 30; day++) await db.knex.raw(REPORT_EVENTS, [2000, day]);
    await db.knex.raw('vacuum analyze events');
    await db.knex('pause_reasons').insert([{ code: 9001, name: 'Almoco', break: 'meal' }, { code: 9002, name: 'Banheiro', break: 'rest' }]).onConflict('code').merge();
  }
  const which = process.argv[2] ?? 'breaks';
  const req = parseBreaksRequest({ from: '2026-10-01', to: '2026-10-30', tz: 'America/Sao_Paulo' });
  const preq = parseReportRequest({ from: '2026-10-01', to: '2026-10-30', tz: 'America/Sao_Paulo', group: 'agent' });
  for (let i = 0; i < Number(process.argv[3] ?? 5); i++) {
    const t = performance.now();
    const n = which === 'breaks' ? (await breaksReport(db.knex, req)).rows.length : (await pauseReport(db.knex, preq)).rows.length;
    console.log(which, Math.round(performance.now() - t), 'ms', n);
  }
  await db.close();
}
void main();

import { openDatabase } from '../../src/db/connect.js';
import { migrate } from '../../src/db/migrate.js';
import { breaksReport, parseBreaksRequest } from '../../src/breaks/report.js';
import { REPORT_EVENTS } from '../bench/run.js';
import pg from 'pg';
const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
await admin.connect();
await admin.query('drop database if exists agentgate_prof with (force)');
await admin.query('create database agentgate_prof');
const db = await openDatabase({ url: 'postgres://postgres@127.0.0.1:5432/agentgate_prof', dataDir: '' });
await migrate(db.knex);
await db.knex.raw(`insert into agents (login, name) select (5000 + a)::text, 'Agent ' || (5000 + a) from generate_series(1, 2000) a`);
for (let day = 0; day < 30; day++) await db.knex.raw(REPORT_EVENTS, [2000, day]);
await db.knex.raw('vacuum analyze events');
await db.knex('pause_reasons').insert([{ code: 9001, name: 'Almoco', break: 'meal' }, { code: 9002, name: 'Banheiro', break: 'rest' }]);
const req = parseBreaksRequest({ from: '2026-10-01', to: '2026-10-30', tz: 'America/Sao_Paulo' });
import { pauseReport } from '../../src/reports/pauses.js';
import { parseReportRequest } from '../../src/reports/params.js';
const preq = parseReportRequest({ from: '2026-10-01', to: '2026-10-30', tz: 'America/Sao_Paulo', group: 'agent' });
for (let i = 0; i < 6; i++) {
  const t = performance.now();
  const r = await breaksReport(db.knex, req);
  console.log(i, 'breaks', Math.round(performance.now() - t), r.rows.length);
}
await db.close();
await admin.query('drop database agentgate_prof with (force)');
await admin.end();

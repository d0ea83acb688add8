import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createKey } from '../../src/access/keys.js';
import { accessCheck } from '../../src/access/credentials.js';
import { parseAllowList } from '../../src/config.js';
import { buildHttp } from '../../src/http/app.js';
import { Metrics } from '../../src/metrics.js';
import { sample } from '../support/prometheus.js';
import { agentgate } from '../support/cli.js';
import { type Harness, startHarness } from '../support/harness.js';

// The breaks over HTTP and the command line: the same report, the access table's roles.
const OUTSIDE = '203.0.113.7';
let h: Harness;
let app: ReturnType<typeof buildHttp>;
let supervisor: string;
let display: string;

const at = (hm: string) => new Date(`2026-11-10T${hm}:00-03:00`);

before(async () => {
  h = await startHarness();
  await h.knex('pause_reasons').insert([
    { code: 11, name: 'Descanso', break: 'rest' },
    { code: 12, name: 'Lanche', break: 'meal' },
  ]);
  await h.knex('events').insert([
    { at: at('08:00'), agent: '1001', exten: '2001', queue: 'support', kind: 'login', source: 'http' },
    { at: at('09:30'), agent: '1001', exten: '2001', kind: 'pause', reason: 'Descanso', source: 'phone' },
    { at: at('09:36'), agent: '1001', exten: '2001', kind: 'unpause', source: 'phone' },
    { at: at('14:20'), agent: '1001', exten: '2001', queue: 'support', kind: 'logoff', source: 'http' },
  ]);
  app = buildHttp({ ...h.deps, access: accessCheck(parseAllowList('192.0.2.0/24'), []), readiness: async () => ({ database: true, pbx: true }) });
  await app.ready();
  supervisor = await createKey(h.knex, { name: 'b-supervisor', role: 'supervisor' });
  display = await createKey(h.knex, { name: 'b-display', role: 'display' });
});
after(async () => {
  await app.close();
  await h.close();
});

const get = (url: string, key: string) => app.inject({ method: 'GET', url, remoteAddress: OUTSIDE, headers: { authorization: `Bearer ${key}` } });

test('GET /api/reports/breaks: JSON and CSV for a supervisor; a display key is refused', async () => {
  const res = await get('/api/reports/breaks?from=2026-11-10&tz=America/Sao_Paulo', supervisor);
  assert.equal(res.statusCode, 200);
  const body = res.json();
  assert.deepEqual(body.rows.map((r: { agent: string; shortfalls: unknown[] }) => [r.agent, r.shortfalls]), [
    [
      '1001',
      [
        { break: 'rest', problem: 'too_short', at: '2026-11-10T09:30:00-03:00' },
        { break: 'rest', problem: 'missing', at: null },
        { break: 'meal', problem: 'missing', at: null },
      ],
    ],
  ]);
  const csv = await get('/api/reports/breaks?from=2026-11-10&tz=America/Sao_Paulo&agent=1001&format=csv', supervisor);
  assert.equal(csv.statusCode, 200);
  assert.equal(csv.headers['content-type'], 'text/csv; charset=utf-8');
  assert.equal(csv.headers['content-disposition'], 'attachment; filename="breaks-1001-2026-11-10-2026-11-10.csv"');
  assert.match(csv.body, /^agent,name,day,/);
  assert.equal((await get('/api/reports/breaks?from=2026-11-10', display)).statusCode, 403);
});

test('a bad parameter answers 400 naming it', async () => {
  const res = await get('/api/reports/breaks?from=2026-11-10&agent=a%20b', supervisor);
  assert.equal(res.statusCode, 400);
  assert.deepEqual(res.json(), { error: 'Argument list invalid', detail: 'agent' });
  assert.deepEqual((await get('/api/reports/breaks?to=2026-11-10', supervisor)).json(), { error: 'Argument list invalid', detail: 'from' });
});

test('GET /api/breaks/due: a display key may read who is due', async () => {
  // logged in three hours ago by the database's clock, no rest break since
  await h.knex.raw(`insert into events (at, agent, exten, queue, kind, source) values (now() - interval '3 hours', '1002', '2002', 'support', 'login', 'http')`);
  const res = await get('/api/breaks/due', display);
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json().agents.map((a: { agent: string; rest_breaks_taken: number }) => [a.agent, a.rest_breaks_taken]), [['1002', 0]]);
});

test('agentgate report breaks prints the same report; a bad option is named', async () => {
  const res = await agentgate(['report', 'breaks', '--from', '2026-11-10', '--tz', 'America/Sao_Paulo', '--csv'], { DATABASE_URL: h.db.url ?? "", LOG_LEVEL: 'silent' });
  assert.equal(res.code, 0, res.stderr);
  const api = await get('/api/reports/breaks?from=2026-11-10&tz=America/Sao_Paulo&format=csv', supervisor);
  assert.equal(res.stdout, api.body.replace(/^1002,.*\r\n/m, ''));
  const bad = await agentgate(['report', 'breaks', '--from', '2026-11-10', '--tz', 'Nowhere/Else'], { DATABASE_URL: h.db.url ?? "", LOG_LEVEL: 'silent' });
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr, 'agentgate: tz must be an IANA time zone, e.g. America/Sao_Paulo (--tz)\n');
});

test('metrics: the shortfalls of the shifts begun today and the agents due now', async () => {
  // a zone whose local time is about noon now: the shift below began today there, whatever the hour
  const utcHour = new Date().getUTCHours();
  const n = utcHour - 12;
  const zone = n === 0 ? 'Etc/GMT' : n > 0 ? `Etc/GMT+${n}` : `Etc/GMT${n}`;
  await h.knex.raw(`insert into events (at, agent, exten, queue, kind, reason, source) values
    (now() - interval '5 hours', '1003', '2003', 'support', 'login', null, 'http'),
    (now() - interval '4 hours', '1003', '2003', null, 'pause', 'Descanso', 'http'),
    (now() - interval '3 hours 57 minutes', '1003', '2003', null, 'unpause', null, 'http'),
    (now() - interval '30 minutes', '1003', '2003', 'support', 'logoff', null, 'http')`);
  const metrics = new Metrics({ db: h.knex, pbx: { isConnected: () => true }, agiSessions: () => 0, liveFeedClients: () => 0, zone });
  const text = await metrics.scrape();
  assert.equal(sample(text, 'agentgate_break_shortfalls', { break: 'rest', problem: 'too_short' }), 1);
  assert.equal(sample(text, 'agentgate_break_shortfalls', { break: 'rest', problem: 'missing' }), 1, 'four and a half hours of work need two');
  assert.equal(sample(text, 'agentgate_break_shortfalls', { break: 'meal', problem: 'missing' }), 1);
  assert.equal(sample(text, 'agentgate_break_shortfalls', { break: 'meal', problem: 'too_late' }), 0, 'every series is there');
  assert.equal(sample(text, 'agentgate_rest_breaks_due', {}), 1, '1002, from the test above');
});

test('metrics: the pauses waiting, by kind, and how long the oldest has waited', async () => {
  await h.knex.raw(`insert into pending_pauses (agent, kind, reason, source, actor, since) values ('1001', 'approval', 'Medico', 'http', 'agent:1001', clock_timestamp() - interval '90 seconds')`);
  try {
    const text = await new Metrics({ db: h.knex, pbx: { isConnected: () => true }, agiSessions: () => 0, liveFeedClients: () => 0 }).scrape();
    assert.equal(sample(text, 'agentgate_pending_pauses', { kind: 'approval' }), 1);
    assert.equal(sample(text, 'agentgate_pending_pauses', { kind: 'floor' }), 0);
    assert.ok((sample(text, 'agentgate_pending_pause_oldest_seconds', { kind: 'approval' }) ?? 0) >= 90);
  } finally {
    await h.knex('pending_pauses').delete();
  }
});

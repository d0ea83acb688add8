import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { reportCsv } from '../../src/reports/csv.js';
import { parseReportRequest } from '../../src/reports/params.js';
import { pauseReport } from '../../src/reports/pauses.js';
import { type TestDb, freshDatabase } from '../support/db.js';

// who paused whom (CONTRACT §8): the pause report by actor, from events as each source writes them
const at = (hm: string) => new Date(`2026-11-10T${hm}:00Z`);
let db: TestDb;

before(async () => {
  db = await freshDatabase();
  const ev = (hm: string, agent: string, queue: string | null, kind: string, reason: string | null, source: string, actor?: string) => ({ at: at(hm), agent, exten: agent === '1001' ? '2001' : '2002', queue, kind, reason, source, actor });
  await db.knex('events').insert([
    ev('08:00', '1001', 'support', 'login', null, 'http', 'ip:10.0.0.5'),
    ev('08:00', '1001', 'sales', 'login', null, 'http', 'ip:10.0.0.5'),
    // her own pause from the panel, 30 min
    ev('09:00', '1001', null, 'pause', 'Almoco', 'http', 'agent:1001'),
    ev('09:30', '1001', null, 'unpause', null, 'http', 'agent:1001'),
    // a supervisor pauses her, 15 min; then Asterisk pauses one queue only (she is still available in the other)
    ev('10:00', '1001', null, 'pause', 'Treinamento', 'http', 'key:floor-lead'),
    ev('10:15', '1001', null, 'unpause', null, 'http', 'key:floor-lead'),
    ev('11:00', '1001', 'sales', 'pause', null, 'pbx'),
    ev('11:05', '1001', 'sales', 'unpause', null, 'pbx'),
    ev('12:00', '1001', 'support', 'logoff', null, 'http', 'ip:10.0.0.5'),
    ev('12:00', '1001', 'sales', 'logoff', null, 'http', 'ip:10.0.0.5'),
    // another agent, from the phone (the default actor of a phone event), 10 min; then the same supervisor, 20 min
    ev('08:00', '1002', 'support', 'login', null, 'phone'),
    ev('09:00', '1002', null, 'pause', 'Banheiro', 'phone'),
    ev('09:10', '1002', null, 'unpause', null, 'phone'),
    ev('10:00', '1002', null, 'pause', 'Treinamento', 'http', 'key:floor-lead'),
    ev('10:20', '1002', 'support', 'logoff', null, 'http', 'key:floor-lead'),
  ]);
});
after(async () => db.drop());

test('group=actor: paused time by who started each pause, against everyone\'s logged-in time, no queue calls', async () => {
  const r = await pauseReport(db.knex, parseReportRequest({ from: '2026-11-10', tz: 'UTC', group: 'actor' }), new Date('2026-11-11T12:00:00Z'));
  const loggedIn = 4 * 3600 + 2 * 3600 + 20 * 60;
  const row = (actor: string, paused: number, byReason: Record<string, number>, pauses: number, longest: number) => ({
    actor, logged_in_s: loggedIn, paused_s: paused, paused_by_reason: byReason, pauses, longest_pause_s: longest,
    paused_ratio: Math.round((paused / loggedIn) * 10000) / 10000, productive_paused_s: 0, unproductive_paused_ratio: Math.round((paused / loggedIn) * 10000) / 10000,
    calls_answered: null, talk_s: null, missed_rings: null,
  });
  assert.deepEqual(r.rows, [
    row('agent:1001', 1800, { Almoco: 1800 }, 1, 1800),
    row('key:floor-lead', 900 + 1200, { Treinamento: 2100 }, 2, 1200),
    row('phone:2002', 600, { Banheiro: 600 }, 1, 600),
  ]);
  const csv = reportCsv(r).split('\r\n');
  assert.equal(csv[0]!.split(',')[0], 'actor');
  assert.equal(csv[2]!.split(',').slice(0, 3).join(','), 'key:floor-lead,' + loggedIn + ',2100');
});

test('a bad group names the ones there are, actor among them', () => {
  assert.throws(() => parseReportRequest({ from: '2026-11-10', group: 'who' }), /group must be one of agent, reason, queue, day, actor/);
});

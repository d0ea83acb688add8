import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Knex } from 'knex';
import { reportCsv } from '../../src/reports/csv.js';
import { parseReportRequest } from '../../src/reports/params.js';
import { pauseReport } from '../../src/reports/pauses.js';
import { type TestDb, freshDatabase } from '../support/db.js';

// The pause report by PBX (CONTRACT §9, group=pbx): each PBX counts the agent's time in its own
// queues as if they were its whole session; a pause without a queue reaches every PBX.

const TZ = 'America/Sao_Paulo';
const local = (hm: string) => new Date(`2026-11-10T${hm}:00-03:00`);

let db: TestDb;
let knex: Knex;
before(async () => {
  db = await freshDatabase();
  knex = db.knex;
  await knex('pbxes').insert([
    { name: 'a', host: '127.0.0.1', port: 5038, username: 'agentgate', secret_env: 'PBX_A_SECRET' },
    { name: 'b', host: '127.0.0.1', port: 5039, username: 'agentgate', secret_env: 'PBX_B_SECRET' },
  ]);
  await knex('queues').insert([
    { name: 'support', number: '100', pbx: 'a' },
    { name: 'billing', number: '101', pbx: 'a' },
    { name: 'sales', number: '300', pbx: 'b' },
  ]);
  await knex('agents').insert([
    { login: '1001', name: 'Maria Silva' },
    { login: '1002', name: 'João Souza' },
  ]);
  const ev = (hm: string, agent: string, queue: string | null, kind: string, reason: string | null = null, source = 'http') => ({ at: local(hm), agent, exten: '2001', queue, kind, reason, source });
  await knex('events').insert([
    // 1001 in two queues of a and one of b
    ev('08:00', '1001', 'support', 'login'),
    ev('08:30', '1001', 'billing', 'login'),
    ev('09:00', '1001', 'sales', 'login'),
    // a pause of the whole session: on both PBXs
    ev('10:00', '1001', null, 'pause', 'Almoco'),
    ev('10:30', '1001', null, 'unpause'),
    // Asterisk pauses sales alone: b's only queue, so paused on b; a is untouched
    ev('11:00', '1001', 'sales', 'pause', 'Banheiro', 'pbx'),
    ev('11:15', '1001', 'sales', 'unpause', null, 'pbx'),
    // leaving billing keeps 1001 on a (support); a ends at 12:00, b at 13:00
    ev('11:30', '1001', 'billing', 'logoff'),
    ev('12:00', '1001', 'support', 'logoff'),
    ev('13:00', '1001', 'sales', 'logoff'),
    // 1002 only on b
    ev('09:00', '1002', 'sales', 'login'),
    ev('10:00', '1002', 'sales', 'logoff'),
  ]);
  await knex('queue_calls').insert({ outcome: 'answered', queue: 'sales', interface: 'PJSIP/2001@from-a', agent: '1001', caller: '5511', caller_uniqueid: 'c1', member_uniqueid: 'm1', started: local('09:30'), ended: local('09:35'), talk_s: 300 });
});
after(async () => db.drop());

test('by PBX: logged-in and paused time of each PBX’s queues, a session-wide pause on each, the calls of its queues', async () => {
  const req = parseReportRequest({ from: '2026-11-10', to: '2026-11-10', tz: TZ, group: 'pbx' });
  const r = await pauseReport(knex, req, new Date('2026-11-20T12:00:00Z'));
  const figures = r.rows.map((x) => [x.pbx, x.logged_in_s, x.paused_s, x.pauses, x.paused_by_reason, x.calls_answered, x.talk_s]);
  assert.deepEqual(figures, [
    // a: 08:00–12:00; paused 10:00–10:30
    ['a', 4 * 3600, 1800, 1, { Almoco: 1800 }, 0, 0],
    // b: 1001 09:00–13:00 and 1002 09:00–10:00; paused 10:00–10:30 and 11:00–11:15
    ['b', 5 * 3600, 2700, 2, { Almoco: 1800, Banheiro: 900 }, 1, 300],
  ]);
  assert.equal(reportCsv(r).split('\r\n')[0], 'pbx,logged_in_s,paused_s,pauses,longest_pause_s,paused_ratio,productive_paused_s,unproductive_paused_ratio,calls_answered,talk_s,missed_rings,paused_s:Almoco,paused_s:Banheiro');
  assert.equal(reportCsv(r).split('\r\n')[2], 'b,18000,2700,2,1800,0.15,0,0.15,1,300,0,1800,900');
});

test('group=pbx is offered by the parameters, and a wrong group names them all', () => {
  assert.throws(() => parseReportRequest({ from: '2026-11-10', to: '2026-11-10', tz: TZ, group: 'server' }), /group must be one of agent, reason, queue, day, actor, pbx/);
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { reportCsv } from '../../src/reports/csv.js';
import { type ReportRequest, parseReportRequest } from '../../src/reports/params.js';
import { pauseReport } from '../../src/reports/pauses.js';
import { applyProvision, readProvisionFile } from '../../src/provision/apply.js';
import { type TestDb, freshDatabase } from '../support/db.js';
import { RULES_YAML } from '../support/paths.js';

// rules.yaml: Treinamento and Feedback are productive; Almoco is not.
const at = (hm: string) => new Date(`2026-11-10T${hm}:00Z`);
const NOW = new Date('2026-11-20T00:00:00Z');
const ratio = (s: number, of: number) => Math.round((s / of) * 10_000) / 10_000;

let db: TestDb;

before(async () => {
  db = await freshDatabase();
  await applyProvision(db.knex, readProvisionFile(RULES_YAML), { prune: false, path: 'rules.yaml' });
  const ev = (hm: string, agent: string, queue: string | null, kind: string, reason: string | null = null, source = 'http') => ({ at: at(hm), agent, queue, kind, reason, source });
  await db.knex('events').insert([
    // 1001 (support), 9 h: training 1 h (productive), lunch 1 h, feedback 30 min (productive)
    ev('08:00', '1001', 'support', 'login'),
    ev('09:00', '1001', null, 'pause', 'Treinamento'),
    ev('10:00', '1001', null, 'unpause'),
    ev('12:00', '1001', null, 'pause', 'Almoco'),
    ev('13:00', '1001', null, 'unpause'),
    ev('13:30', '1001', null, 'pause_overdue', 'Almoco', 'policy'), // a rule's alert changes no time
    ev('14:00', '1001', null, 'pause', 'Feedback'),
    ev('14:30', '1001', null, 'unpause', null, 'policy'),
    ev('17:00', '1001', 'support', 'logoff'),
    // 1002 (sales), 3 h: training 30 min paused from Asterisk, its reason in another case (productive), 15 min without a reason
    ev('09:00', '1002', 'sales', 'login'),
    ev('10:00', '1002', 'sales', 'pause', 'TREINAMENTO', 'pbx'),
    ev('10:30', '1002', 'sales', 'unpause', null, 'pbx'),
    ev('11:00', '1002', null, 'pause'),
    ev('11:15', '1002', null, 'unpause'),
    ev('12:00', '1002', 'sales', 'logoff'),
  ]);
});
after(() => db.drop());

const ask = (group: ReportRequest['group']) => pauseReport(db.knex, parseReportRequest({ from: '2026-11-10', to: '2026-11-10', tz: 'UTC', group }), NOW);
const figures = (r: { logged_in_s: number; paused_s: number; productive_paused_s: number; paused_ratio: number | null; unproductive_paused_ratio: number | null }) => [
  r.logged_in_s,
  r.paused_s,
  r.productive_paused_s,
  r.paused_ratio,
  r.unproductive_paused_ratio,
];

describe('reports count productive pauses apart', () => {
  test('by agent: productive pause time, and the ratio of the rest to logged-in time', async () => {
    const r = await ask('agent');
    assert.deepEqual(
      r.rows.map((x) => [x.agent, ...figures(x)]),
      [
        ['1001', 32400, 9000, 5400, ratio(9000, 32400), ratio(3600, 32400)],
        ['1002', 10800, 2700, 1800, ratio(2700, 10800), ratio(900, 10800)],
      ],
    );
    assert.deepEqual(r.productive_reasons, ['Feedback', 'TREINAMENTO', 'Treinamento']);
    assert.deepEqual(r.rows[0]?.paused_by_reason, { Almoco: 3600, Feedback: 1800, Treinamento: 3600 }, 'paused_s and its reasons as before');
  });

  test('by reason, queue and day', async () => {
    const all = 32400 + 10800;
    assert.deepEqual(
      (await ask('reason')).rows.map((x) => [x.reason, ...figures(x)]),
      [
        ['Almoco', all, 3600, 0, ratio(3600, all), ratio(3600, all)],
        ['Feedback', all, 1800, 1800, ratio(1800, all), 0],
        ['TREINAMENTO', all, 1800, 1800, ratio(1800, all), 0],
        ['Treinamento', all, 3600, 3600, ratio(3600, all), 0],
        [null, all, 900, 0, ratio(900, all), ratio(900, all)],
      ],
    );
    assert.deepEqual(
      (await ask('queue')).rows.map((x) => [x.queue, ...figures(x)]),
      [
        ['sales', 10800, 2700, 1800, ratio(2700, 10800), ratio(900, 10800)],
        ['support', 32400, 9000, 5400, ratio(9000, 32400), ratio(3600, 32400)],
      ],
    );
    assert.deepEqual(
      (await ask('day')).rows.map((x) => [x.day, ...figures(x)]),
      [['2026-11-10', all, 11700, 7200, ratio(11700, all), ratio(4500, all)]],
    );
  });

  test('CSV: the two columns after paused_ratio', async () => {
    const lines = reportCsv(await ask('agent')).split('\r\n');
    assert.equal(
      lines[0],
      'agent,name,logged_in_s,paused_s,pauses,longest_pause_s,paused_ratio,productive_paused_s,unproductive_paused_ratio,calls_answered,talk_s,missed_rings,paused_s:Almoco,paused_s:Feedback,paused_s:TREINAMENTO,paused_s:Treinamento,paused_s:',
    );
    assert.equal(lines[1], `1001,Maria Silva,32400,9000,3,3600,${ratio(9000, 32400)},5400,${ratio(3600, 32400)},0,0,0,3600,1800,0,3600,0`);
  });

  test('the flag is read when the report is made: a reason made productive counts so in past pauses', async () => {
    await db.knex('pause_reasons').where({ name: 'Almoco' }).update({ productive: true });
    try {
      const [maria] = (await ask('agent')).rows;
      assert.deepEqual(figures(maria!), [32400, 9000, 9000, ratio(9000, 32400), 0]);
    } finally {
      await db.knex('pause_reasons').where({ name: 'Almoco' }).update({ productive: false });
    }
  });
});

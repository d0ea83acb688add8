import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Knex } from 'knex';
import { breaksCsv } from '../../src/breaks/csv.js';
import { restBreaksDue } from '../../src/breaks/due.js';
import { type BreaksReport, type BreaksRow, breaksReport, parseBreaksRequest } from '../../src/breaks/report.js';
import { DEFAULT_SHIFT_RULES } from '../../src/breaks/rules.js';
import { ReportParamError } from '../../src/reports/params.js';
import { type TestDb, freshDatabase } from '../support/db.js';

// America/Sao_Paulo is UTC-3 all year: local 00:00 = 03:00Z
const SP = 'America/Sao_Paulo';
const local = (day: string, hm: string) => new Date(`${day}T${hm}:00-03:00`);
const AFTER = new Date('2026-11-20T12:00:00Z');

let db: TestDb;
let knex: Knex;

/** [local day, HH:MM, agent, kind, reason] — login and logoff in queue support, pauses in every queue. */
type Ev = [string, string, string, string, string?];
async function insert(rows: Ev[], at = local) {
  await knex('events').insert(
    rows.map(([day, hm, agent, kind, reason]) => ({ at: at(day, hm), agent, exten: '2001', queue: kind === 'login' || kind === 'logoff' ? 'support' : null, kind, reason: reason ?? null, source: 'http' })),
  );
}

const day = (agent: string, from: string, breaks: Array<[string, string, string]>, to: string, date = '2026-11-10'): Ev[] => [
  [date, from, agent, 'login'],
  ...breaks.flatMap(([reason, a, b]): Ev[] => [
    [date, a, agent, 'pause', reason],
    [date, b, agent, 'unpause'],
  ]),
  [date, to, agent, 'logoff'],
];

before(async () => {
  db = await freshDatabase();
  knex = db.knex;
  await knex('pause_reasons').insert([
    { code: 1, name: 'Descanso', break: 'rest' },
    { code: 2, name: 'Lanche', break: 'meal' },
    { code: 3, name: 'Banheiro' },
  ]);
  await knex('agents').insert([
    { login: '1001', name: 'Maria Silva' },
    { login: '1002', name: 'João Souza' },
  ]);
  await insert([
    // a day by the book: 6 h 20 logged in, 6 h of work
    ...day('1001', '08:00', [['Descanso', '09:30', '09:40'], ['Lanche', '11:00', '11:20'], ['Banheiro', '11:50', '11:55'], ['descanso', '12:30', '12:41']], '14:20'),
    // every way a break falls short
    ...day('1002', '08:00', [['Descanso', '08:30', '08:40'], ['Lanche', '11:00', '11:15'], ['Descanso', '13:30', '13:40']], '14:20'),
    // a rest break too short, none other, no meal
    ...day('1003', '09:00', [['Descanso', '10:30', '10:36']], '15:20'),
    // a rest break paused twice for the same reason is one break
    ['2026-11-10', '08:00', '1005', 'login'],
    ['2026-11-10', '10:00', '1005', 'pause', 'Descanso'],
    ['2026-11-10', '10:04', '1005', 'pause', 'Descanso'],
    ['2026-11-10', '10:10', '1005', 'unpause'],
    // logged off for half an hour: still one shift, which needs its one rest break (3 h 30 of work)
    ['2026-11-10', '10:30', '1005', 'logoff'],
    ['2026-11-10', '11:00', '1005', 'login'],
    ['2026-11-10', '12:30', '1005', 'logoff'],
    // a night shift over midnight: the day it began
    ['2026-11-10', '22:00', '1004', 'login'],
    ['2026-11-10', '23:30', '1004', 'pause', 'Descanso'],
    ['2026-11-10', '23:40', '1004', 'unpause'],
    ['2026-11-11', '01:00', '1004', 'pause', 'Lanche'],
    ['2026-11-11', '01:20', '1004', 'unpause'],
    ['2026-11-11', '02:30', '1004', 'pause', 'Descanso'],
    ['2026-11-11', '02:40', '1004', 'unpause'],
    ['2026-11-11', '04:20', '1004', 'logoff'],
  ]);
});
after(async () => db.drop());

const ask = (params: Record<string, string>, now = AFTER) => breaksReport(knex, parseBreaksRequest({ tz: SP, ...params }), now);
const rowOf = (r: BreaksReport, agent: string) => r.rows.find((x) => x.agent === agent) as BreaksRow;

describe('breaks report', () => {
  test('a day by the book has its breaks and nothing short; a pause that is not a break is not listed', async () => {
    const r = await ask({ from: '2026-11-10' });
    assert.deepEqual(r.rules, DEFAULT_SHIFT_RULES);
    assert.deepEqual(rowOf(r, '1001'), {
      agent: '1001',
      name: 'Maria Silva',
      day: '2026-11-10',
      shift_start: '2026-11-10T08:00:00-03:00',
      shift_end: '2026-11-10T14:20:00-03:00',
      in_progress: false,
      logged_in_s: 6 * 3600 + 20 * 60,
      worked_s: 6 * 3600,
      rest_breaks_required: 2,
      meal_breaks_required: 1,
      rest_breaks: [
        { reason: 'Descanso', start: '2026-11-10T09:30:00-03:00', end: '2026-11-10T09:40:00-03:00', length_s: 600, in_progress: false, problems: [] },
        // the reason as it was given: reasons match whatever their case
        { reason: 'descanso', start: '2026-11-10T12:30:00-03:00', end: '2026-11-10T12:41:00-03:00', length_s: 660, in_progress: false, problems: [] },
      ],
      meal_breaks: [{ reason: 'Lanche', start: '2026-11-10T11:00:00-03:00', end: '2026-11-10T11:20:00-03:00', length_s: 1200, in_progress: false, problems: [] }],
      shortfalls: [],
    });
  });

  test('too early, too short and too late, each on its break', async () => {
    const r = rowOf(await ask({ from: '2026-11-10' }), '1002');
    assert.deepEqual(r.rest_breaks.map((b) => b.problems), [['too_early'], ['too_late']]);
    assert.deepEqual(r.meal_breaks.map((b) => b.problems), [['too_short']]);
    assert.deepEqual(r.shortfalls, [
      { break: 'rest', problem: 'too_early', at: '2026-11-10T08:30:00-03:00' },
      { break: 'meal', problem: 'too_short', at: '2026-11-10T11:00:00-03:00' },
      { break: 'rest', problem: 'too_late', at: '2026-11-10T13:30:00-03:00' },
    ]);
  });

  test('missing: a rest break not taken and a meal break not taken', async () => {
    const r = rowOf(await ask({ from: '2026-11-10' }), '1003');
    assert.equal(r.name, null, 'an agent no longer provisioned keeps its record');
    assert.deepEqual(r.shortfalls, [
      { break: 'rest', problem: 'too_short', at: '2026-11-10T10:30:00-03:00' },
      { break: 'rest', problem: 'missing', at: null },
      { break: 'meal', problem: 'missing', at: null },
    ]);
  });

  test('a half hour logged off stays in the shift; a short day needs one rest break; the same reason twice is one break', async () => {
    const r = rowOf(await ask({ from: '2026-11-10' }), '1005');
    assert.equal(r.shift_start, '2026-11-10T08:00:00-03:00');
    assert.equal(r.shift_end, '2026-11-10T12:30:00-03:00');
    assert.equal(r.logged_in_s, 4 * 3600);
    assert.equal(r.rest_breaks_required, 1);
    assert.equal(r.meal_breaks_required, 0, 'four hours of work need no meal break');
    assert.deepEqual(r.rest_breaks.map((b) => [b.start, b.length_s]), [['2026-11-10T10:00:00-03:00', 600]]);
    assert.deepEqual(r.shortfalls, []);
  });

  test('a shift over midnight belongs to the day it began, and not to the next', async () => {
    const r = rowOf(await ask({ from: '2026-11-10' }), '1004');
    assert.equal(r.day, '2026-11-10');
    assert.equal(r.shift_end, '2026-11-11T04:20:00-03:00');
    assert.deepEqual(r.meal_breaks.map((b) => b.start), ['2026-11-11T01:00:00-03:00']);
    assert.deepEqual(r.shortfalls, []);
    const next = await ask({ from: '2026-11-11' });
    assert.equal(next.rows.find((x) => x.agent === '1004'), undefined);
  });

  test('?agent= gives one agent; the rules in force are those provisioned', async () => {
    await knex('shift_rules').insert({ rules: JSON.stringify({ ...DEFAULT_SHIFT_RULES, rest_minutes: 15 }) });
    try {
      const r = await ask({ from: '2026-11-10', agent: '1001' });
      assert.deepEqual(r.rows.map((x) => x.agent), ['1001']);
      assert.equal(r.rules.rest_minutes, 15);
      assert.deepEqual(r.rows[0]!.shortfalls.map((f) => [f.problem, f.at]), [
        ['too_short', '2026-11-10T09:30:00-03:00'],
        ['too_short', '2026-11-10T12:30:00-03:00'],
      ]);
    } finally {
      await knex('shift_rules').delete();
    }
  });

  test('CSV: one line per shift, breaks and shortfalls in one field each', async () => {
    const csv = breaksCsv(await ask({ from: '2026-11-10', agent: '1002' }));
    assert.equal(
      csv,
      'agent,name,day,shift_start,shift_end,in_progress,logged_in_s,worked_s,rest_breaks_required,rest_breaks,meal_breaks_required,meal_breaks,shortfalls\r\n' +
        '1002,João Souza,2026-11-10,2026-11-10T08:00:00-03:00,2026-11-10T14:20:00-03:00,false,22800,21900,2,' +
        '2026-11-10T08:30:00-03:00 600s too_early; 2026-11-10T13:30:00-03:00 600s too_late,1,2026-11-10T11:00:00-03:00 900s too_short,' +
        'rest too_early 2026-11-10T08:30:00-03:00; meal too_short 2026-11-10T11:00:00-03:00; rest too_late 2026-11-10T13:30:00-03:00\r\n',
    );
  });

  test('bad parameters are named', () => {
    const bad = (params: Record<string, string>) => {
      try {
        parseBreaksRequest(params);
        return 'accepted';
      } catch (err) {
        return (err as ReportParamError).param;
      }
    };
    assert.equal(bad({}), 'from');
    assert.equal(bad({ from: '2026-11-31' }), 'from');
    assert.equal(bad({ from: '2026-11-10', tz: 'Mars/Olympus' }), 'tz');
    assert.equal(bad({ from: '2026-11-10', agent: '10 01' }), 'agent');
    assert.equal(bad({ from: '2026-11-10', format: 'xml' }), 'format');
  });
});

describe('a shift still going', () => {
  const NOW = local('2026-11-12', '12:00');
  before(async () => {
    await insert([
      // three hours in, no rest break yet: due since the second hour
      ['2026-11-12', '09:00', '2001', 'login'],
      // a whole rest break an hour ago: the next is not due yet
      ['2026-11-12', '09:00', '2002', 'login'],
      ['2026-11-12', '10:50', '2002', 'pause', 'Descanso'],
      ['2026-11-12', '11:00', '2002', 'unpause'],
      // on a rest break now
      ['2026-11-12', '09:00', '2003', 'login'],
      ['2026-11-12', '11:55', '2003', 'pause', 'Descanso'],
      // a break of two minutes does not count as the rest break
      ['2026-11-12', '08:00', '2004', 'login'],
      ['2026-11-12', '10:00', '2004', 'pause', 'Descanso'],
      ['2026-11-12', '10:02', '2004', 'unpause'],
    ]);
  });

  test('is judged only on what has happened: nothing missing yet, a break still going is not too short', async () => {
    const r = await ask({ from: '2026-11-12' }, NOW);
    const a = rowOf(r, '2001');
    assert.equal(a.in_progress, true);
    assert.equal(a.shift_end, '2026-11-12T12:00:00-03:00');
    assert.deepEqual(a.shortfalls, []);
    const c = rowOf(r, '2003');
    assert.deepEqual(c.rest_breaks, [{ reason: 'Descanso', start: '2026-11-12T11:55:00-03:00', end: '2026-11-12T12:00:00-03:00', length_s: 300, in_progress: true, problems: [] }]);
    assert.deepEqual(rowOf(r, '2004').shortfalls, [{ break: 'rest', problem: 'too_short', at: '2026-11-12T10:00:00-03:00' }]);
  });

  test('the rest break is due two hours after the shift began or the last whole rest break ended', async () => {
    const due = await restBreaksDue(knex, NOW);
    assert.deepEqual(due.agents, [
      { agent: '2001', due_since: local('2026-11-12', '11:00').toISOString(), shift_start: local('2026-11-12', '09:00').toISOString(), rest_breaks_taken: 0 },
      { agent: '2004', due_since: local('2026-11-12', '10:00').toISOString(), shift_start: local('2026-11-12', '08:00').toISOString(), rest_breaks_taken: 0 },
    ]);
    const later = await restBreaksDue(knex, local('2026-11-12', '13:00'));
    assert.deepEqual(later.agents.map((a) => a.agent), ['2001', '2002', '2004']);
  });
});

describe('a time zone with summer time', () => {
  const NY = 'America/New_York';
  // 2026-03-08 02:00 EST the clocks go to 03:00 EDT
  const ny = (d: string, hm: string) => new Date(`${d}T${hm}:00${d === '2026-03-07' || hm < '02:00' ? '-05:00' : '-04:00'}`);
  before(async () => {
    await insert(
      [
        ['2026-03-07', '23:00', '3001', 'login'],
        ['2026-03-08', '00:30', '3001', 'pause', 'Descanso'],
        ['2026-03-08', '00:40', '3001', 'unpause'],
        ['2026-03-08', '05:00', '3001', 'logoff'],
        // begins after the change, on the short day
        ['2026-03-08', '08:00', '3002', 'login'],
        ['2026-03-08', '10:00', '3002', 'logoff'],
      ],
      ny,
    );
  });

  test('the hour the clocks skip is not worked; a shift belongs to its local day', async () => {
    const r = await breaksReport(knex, parseBreaksRequest({ from: '2026-03-07', to: '2026-03-08', tz: NY }), AFTER);
    const a = rowOf(r, '3001');
    assert.equal(a.day, '2026-03-07');
    assert.equal(a.shift_start, '2026-03-07T23:00:00-05:00');
    assert.equal(a.shift_end, '2026-03-08T05:00:00-04:00');
    assert.equal(a.logged_in_s, 5 * 3600, 'six hours on the wall, five worked');
    assert.deepEqual(a.shortfalls.map((f) => [f.break, f.problem]), [['rest', 'missing'], ['meal', 'missing']]);
    const b = rowOf(r, '3002');
    assert.equal(b.day, '2026-03-08');
    assert.equal(b.shift_start, '2026-03-08T08:00:00-04:00');
    assert.equal(b.rest_breaks_required, 0, 'two hours leave no room between the first and the last hour');
  });
});

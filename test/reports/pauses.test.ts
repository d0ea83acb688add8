import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { Knex } from 'knex';
import { reportCsv } from '../../src/reports/csv.js';
import { type ReportRequest, parseReportRequest, startOfDay } from '../../src/reports/params.js';
import { type PauseReport, type ReportRow, pauseReport } from '../../src/reports/pauses.js';
import { type TestDb, freshDatabase } from '../support/db.js';

// America/Sao_Paulo is UTC-3 all year (no summer time since 2019): local 00:00 = 03:00Z.
const TZ = 'America/Sao_Paulo';
const local = (day: string, hm: string) => new Date(`${day}T${hm}:00-03:00`);
const NOW = local('2026-11-11', '18:00'); // the range 10–11 Nov is still open: time counts up to now
const AFTER = new Date('2026-11-20T12:00:00Z');

let db: TestDb;
let knex: Knex;

type Ev = [string, string, string, string | null, string, string | null, string];
async function insert(rows: Ev[]) {
  await knex('events').insert(rows.map(([day, hm, agent, queue, kind, reason, source]) => ({ at: local(day, hm), agent, exten: '2001', queue, kind, reason, source })));
}

before(async () => {
  db = await freshDatabase();
  knex = db.knex;
  await knex('agents').insert([
    { login: '1001', name: 'Maria Silva' },
    { login: '1002', name: 'João Souza' },
    { login: '1003', name: 'Ana Lima' },
  ]);
  await insert([
    // 1001: logged in before the range, paused across midnight into it
    ['2026-11-09', '22:00', '1001', 'support', 'login', null, 'http'],
    ['2026-11-09', '23:00', '1001', null, 'pause', 'Almoco', 'http'],
    ['2026-11-10', '00:30', '1001', null, 'unpause', null, 'http'],
    // a second queue; Asterisk pauses only that one (not the agent: support stays available)
    ['2026-11-10', '08:00', '1001', 'sales', 'login', null, 'http'],
    ['2026-11-10', '09:00', '1001', 'sales', 'pause', 'Banheiro', 'pbx'],
    ['2026-11-10', '09:10', '1001', 'sales', 'unpause', null, 'pbx'],
    // paused from the phone across midnight; logs off support while paused, then sales
    ['2026-11-10', '23:30', '1001', null, 'pause', 'Almoco', 'phone'],
    ['2026-11-11', '00:15', '1001', 'support', 'logoff', null, 'http'],
    ['2026-11-11', '00:45', '1001', 'sales', 'logoff', null, 'pbx'],
    // 1002: a pause still open at the end
    ['2026-11-11', '08:00', '1002', 'support', 'login', null, 'phone'],
    ['2026-11-11', '17:00', '1002', null, 'pause', null, 'phone'],
    // 1003: a reverted action changes nothing; events after the range do not count
    ['2026-11-10', '10:00', '1003', 'support', 'login', null, 'http'],
    ['2026-11-10', '10:05', '1003', 'support', 'reverted', null, 'resync'],
    ['2026-11-10', '11:00', '1003', null, 'pause', 'Almoco', 'http'],
    ['2026-11-10', '11:20', '1003', null, 'unpause', null, 'http'],
    ['2026-11-10', '12:00', '1003', 'support', 'logoff', null, 'http'],
    ['2026-11-12', '09:00', '1003', 'support', 'login', null, 'http'],
  ]);
});
after(async () => db.drop());

/** The pause figures alone (the queue-call columns are test/reports/calls.test.ts's). */
const pausesOnly = (r: PauseReport): PauseReport => ({ ...r, rows: r.rows.map(({ calls_answered: _c, talk_s: _t, missed_rings: _m, ...rest }) => rest as ReportRow) });
const report = (group: ReportRequest['group'], now = NOW) => pauseReport(knex, parseReportRequest({ from: '2026-11-10', to: '2026-11-11', tz: TZ, group }), now);
const ask = async (group: ReportRequest['group'], now = NOW) => pausesOnly(await report(group, now));
const row = (r: PauseReport, key: string, value: string | null) => r.rows.find((x) => (x as unknown as Record<string, unknown>)[key] === value);

describe('pause report', () => {
  test('the range is whole local days in the zone; time counts up to now while the range is open', async () => {
    const r = await ask('agent');
    assert.equal(r.start, '2026-11-10T03:00:00.000Z');
    assert.equal(r.end, '2026-11-12T03:00:00.000Z');
    assert.equal(r.until, NOW.toISOString());
    assert.deepEqual(r.reasons, ['Almoco', null]);
  });

  test('by agent: cut at the range start and at logoffs; paused means paused in every queue', async () => {
    const r = await ask('agent');
    assert.deepEqual(r.rows.map((x) => x.agent), ['1001', '1002', '1003']);
    assert.deepEqual(row(r, 'agent', '1001'), {
      agent: '1001',
      name: 'Maria Silva',
      logged_in_s: 24 * 3600 + 45 * 60, // 10 Nov 00:00 → 11 Nov 00:45
      paused_s: 1800 + 4500, // 00:00–00:30 (begun before the range) + 23:30–00:45 (through the logoff of support)
      paused_by_reason: { Almoco: 6300 },
      pauses: 1, // the pause begun before the range adds time, not a count
      longest_pause_s: 4500,
      paused_ratio: Math.round((6300 / 89100) * 10000) / 10000, productive_paused_s: 0, unproductive_paused_ratio: Math.round((6300 / 89100) * 10000) / 10000,
    });
    assert.deepEqual(row(r, 'agent', '1002'), {
      agent: '1002', name: 'João Souza', logged_in_s: 36000, paused_s: 3600, paused_by_reason: { '': 3600 }, pauses: 1, longest_pause_s: 3600, paused_ratio: 0.1, productive_paused_s: 0, unproductive_paused_ratio: 0.1,
    });
    assert.deepEqual(row(r, 'agent', '1003'), {
      agent: '1003', name: 'Ana Lima', logged_in_s: 7200, paused_s: 1200, paused_by_reason: { Almoco: 1200 }, pauses: 1, longest_pause_s: 1200, paused_ratio: Math.round((1200 / 7200) * 10000) / 10000, productive_paused_s: 0, unproductive_paused_ratio: Math.round((1200 / 7200) * 10000) / 10000,
    });
  });

  test('a pause still open when the range ends counts up to the range end', async () => {
    const r = await ask('agent', AFTER);
    assert.equal(r.until, r.end);
    const b = row(r, 'agent', '1002');
    assert.equal(b?.logged_in_s, 16 * 3600);
    assert.equal(b?.paused_s, 7 * 3600);
  });

  test('a session open through the whole range, without an event in it, counts the whole range', async () => {
    // 13 Nov: 1002 is still paused since 11 Nov 17:00; 1003 logged in on 12 Nov and never left
    const r = pausesOnly(await pauseReport(knex, parseReportRequest({ from: '2026-11-13', to: '2026-11-13', tz: TZ, group: 'agent' }), AFTER));
    assert.deepEqual(r.rows, [
      { agent: '1002', name: 'João Souza', logged_in_s: 86400, paused_s: 86400, paused_by_reason: { '': 86400 }, pauses: 0, longest_pause_s: 86400, paused_ratio: 1, productive_paused_s: 0, unproductive_paused_ratio: 1 },
      { agent: '1003', name: 'Ana Lima', logged_in_s: 86400, paused_s: 0, paused_by_reason: {}, pauses: 0, longest_pause_s: 0, paused_ratio: 0, productive_paused_s: 0, unproductive_paused_ratio: 0 },
    ]);
  });

  test('by queue: a pause counts in the queues it applied to', async () => {
    const r = await ask('queue');
    assert.deepEqual(r.rows.map((x) => x.queue), ['sales', 'support']);
    assert.deepEqual(row(r, 'queue', 'sales'), {
      queue: 'sales', logged_in_s: 60300, paused_s: 600 + 4500, paused_by_reason: { Almoco: 4500, Banheiro: 600 }, pauses: 2, longest_pause_s: 4500, paused_ratio: Math.round((5100 / 60300) * 10000) / 10000, productive_paused_s: 0, unproductive_paused_ratio: Math.round((5100 / 60300) * 10000) / 10000,
    });
    assert.deepEqual(row(r, 'queue', 'support'), {
      queue: 'support',
      logged_in_s: 87300 + 36000 + 7200,
      paused_s: 4500 + 3600 + 1200,
      paused_by_reason: { Almoco: 5700, '': 3600 },
      pauses: 3,
      longest_pause_s: 3600,
      paused_ratio: Math.round((9300 / 130500) * 10000) / 10000, productive_paused_s: 0, unproductive_paused_ratio: Math.round((9300 / 130500) * 10000) / 10000,
    });
  });

  test('by reason: paused time against everyone\'s logged-in time', async () => {
    const r = await ask('reason');
    assert.deepEqual(r.rows, [
      { reason: 'Almoco', logged_in_s: 132300, paused_s: 7500, paused_by_reason: { Almoco: 7500 }, pauses: 2, longest_pause_s: 4500, paused_ratio: Math.round((7500 / 132300) * 10000) / 10000, productive_paused_s: 0, unproductive_paused_ratio: Math.round((7500 / 132300) * 10000) / 10000 },
      { reason: null, logged_in_s: 132300, paused_s: 3600, paused_by_reason: { '': 3600 }, pauses: 1, longest_pause_s: 3600, paused_ratio: Math.round((3600 / 132300) * 10000) / 10000, productive_paused_s: 0, unproductive_paused_ratio: Math.round((3600 / 132300) * 10000) / 10000 },
    ]);
  });

  test('by day: a pause across midnight is split between the local days', async () => {
    const r = await ask('day');
    assert.deepEqual(r.rows, [
      { day: '2026-11-10', logged_in_s: 86400 + 7200, paused_s: 1800 + 1800 + 1200, paused_by_reason: { Almoco: 4800 }, pauses: 2, longest_pause_s: 1800, paused_ratio: Math.round((4800 / 93600) * 10000) / 10000, productive_paused_s: 0, unproductive_paused_ratio: Math.round((4800 / 93600) * 10000) / 10000 },
      { day: '2026-11-11', logged_in_s: 2700 + 36000, paused_s: 2700 + 3600, paused_by_reason: { Almoco: 2700, '': 3600 }, pauses: 1, longest_pause_s: 3600, paused_ratio: Math.round((6300 / 38700) * 10000) / 10000, productive_paused_s: 0, unproductive_paused_ratio: Math.round((6300 / 38700) * 10000) / 10000 },
    ]);
  });

  test('CSV: a header, one row per group, the same figures as JSON', async () => {
    for (const group of ['agent', 'reason', 'queue', 'day'] as const) {
      const r = await report(group);
      const lines = reportCsv(r).split('\r\n');
      assert.equal(lines.pop(), '', 'lines end in CRLF');
      const [header, ...rows] = lines.map(parseCsvLine);
      const keys = group === 'agent' ? ['agent', 'name'] : [group];
      assert.deepEqual(header, [...keys, 'logged_in_s', 'paused_s', 'pauses', 'longest_pause_s', 'paused_ratio', 'productive_paused_s', 'unproductive_paused_ratio', 'calls_answered', 'talk_s', 'missed_rings', ...r.reasons.map((x) => `paused_s:${x ?? ''}`)]);
      assert.deepEqual(
        rows,
        r.rows.map((x) => {
          const o = x as unknown as Record<string, unknown>;
          return [...keys.map((k) => String(o[k] ?? '')), String(x.logged_in_s), String(x.paused_s), String(x.pauses), String(x.longest_pause_s), String(x.paused_ratio ?? ''), String(x.productive_paused_s), String(x.unproductive_paused_ratio ?? ''), String(x.calls_answered ?? ''), String(x.talk_s ?? ''), String(x.missed_rings ?? ''), ...r.reasons.map((re) => String(x.paused_by_reason[re ?? ''] ?? 0))];
        }),
        group,
      );
    }
  });

  test('CSV quotes commas, quotes and line breaks (RFC 4180)', () => {
    const csv = reportCsv({ from: 'a', to: 'b', tz: 'UTC', group: 'reason', start: '', end: '', until: '', reasons: ['a,"b"'], productive_reasons: [], rows: [{ reason: 'a,"b"', logged_in_s: 1, paused_s: 1, paused_by_reason: { 'a,"b"': 1 }, pauses: 1, longest_pause_s: 1, paused_ratio: 1, productive_paused_s: 0, unproductive_paused_ratio: 1, calls_answered: null, talk_s: null, missed_rings: null }] });
    assert.equal(csv, 'reason,logged_in_s,paused_s,pauses,longest_pause_s,paused_ratio,productive_paused_s,unproductive_paused_ratio,calls_answered,talk_s,missed_rings,"paused_s:a,""b"""\r\n"a,""b""",1,1,1,1,1,0,1,,,,1\r\n');
  });

  test('a local day that begins at a clock change still begins when the local clock says so', () => {
    // Sao Paulo skipped 00:00–01:00 on 2018-11-04 (summer time): the day began at 01:00 local (-02:00).
    assert.equal(new Date(startOfDay('2018-11-04', TZ)).toISOString(), '2018-11-04T03:00:00.000Z');
    assert.equal(new Date(startOfDay('2026-03-29', 'Europe/Berlin')).toISOString(), '2026-03-28T23:00:00.000Z');
  });

  test('bad parameters are named', () => {
    const bad: Array<[Record<string, unknown>, string]> = [
      [{}, 'from'],
      [{ from: '2026-02-30' }, 'from'],
      [{ from: '2026-11-10', to: '2026-11-09' }, 'to'],
      [{ from: '2025-01-01', to: '2026-11-09' }, 'to'],
      [{ from: '2026-11-10', tz: 'Mars/Olympus' }, 'tz'],
      [{ from: '2026-11-10', group: 'exten' }, 'group'],
      [{ from: '2026-11-10', format: 'xml' }, 'format'],
      [{ from: ['2026-11-10', '2026-11-11'] }, 'from'],
    ];
    for (const [params, param] of bad) assert.throws(() => parseReportRequest(params), (err: { param?: string }) => err.param === param, JSON.stringify(params));
  });
});

/** A strict RFC 4180 line reader (no line breaks inside fields in these tests). */
function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let v = '';
      i++;
      while (i < line.length) {
        if (line[i] === '"' && line[i + 1] === '"') (v += '"'), (i += 2);
        else if (line[i] === '"') break;
        else v += line[i++];
      }
      out.push(v);
      i += 2;
    } else {
      const j = line.indexOf(',', i);
      out.push(line.slice(i, j < 0 ? line.length : j));
      i = j < 0 ? line.length + 1 : j + 1;
    }
  }
  return out;
}

describe('agentgate report pauses (the command line)', () => {
  const cli = (args: string[], env: Record<string, string>) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../../src/cli.ts', import.meta.url)), ...args], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });

  test('prints the same CSV as the report API, for a closed range', async (t) => {
    if (!db.url) return t.skip('the command line needs a Postgres server here (the embedded database is locked by this process)');
    for (const by of ['agent', 'reason', 'queue', 'day'] as const) {
      const res = await cli(['report', 'pauses', '--from', '2026-11-10', '--to', '2026-11-10', '--tz', TZ, '--by', by, '--csv'], { DATABASE_URL: db.url, LOG_LEVEL: 'silent' });
      assert.equal(res.code, 0, res.stderr);
      const expected = reportCsv(await pauseReport(knex, parseReportRequest({ from: '2026-11-10', to: '2026-11-10', tz: TZ, group: by, format: 'csv' })));
      assert.equal(res.stdout, expected, by);
    }
  });

  test('a bad --by is refused with exit 2, naming the option', async () => {
    const res = await cli(['report', 'pauses', '--from', '2026-11-10', '--by', 'colour'], { DATABASE_URL: db.url ?? 'postgres://127.0.0.1:1/none', LOG_LEVEL: 'silent' });
    assert.equal(res.code, 2);
    assert.match(res.stderr, /--by/);
  });
});

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { Knex } from 'knex';
import { reportCsv } from '../../src/reports/csv.js';
import { type ReportRequest, parseReportRequest } from '../../src/reports/params.js';
import { pauseReport } from '../../src/reports/pauses.js';
import { type TestDb, freshDatabase } from '../support/db.js';

// America/Sao_Paulo is UTC-3 all year: local 00:00 = 03:00Z.
const TZ = 'America/Sao_Paulo';
const local = (day: string, hms: string) => new Date(`${day}T${hms}-03:00`);
const NOW = new Date('2026-11-20T12:00:00Z');

let db: TestDb;
let knex: Knex;
let leg = 0;

/** One finished leg in queue_calls, as the board writes it. */
function call(agent: string | null, queue: string, day: string, hms: string, o: { talk_s?: number; ring_ms?: number }) {
  const started = local(day, hms);
  const answered = o.talk_s !== undefined;
  const ms = answered ? o.talk_s! * 1000 : o.ring_ms!;
  leg++;
  return {
    outcome: answered ? 'answered' : 'missed',
    queue,
    interface: `PJSIP/${agent ?? '9999'}`,
    agent,
    caller: '5511999990000',
    caller_uniqueid: `1795530562.${leg}`,
    member_uniqueid: `1795530566.${leg}`,
    started,
    ended: new Date(started.getTime() + ms),
    hold_s: 3,
    talk_s: answered ? o.talk_s : null,
    ring_ms: answered ? null : o.ring_ms,
    ended_by: answered ? 'caller' : null,
  };
}

before(async () => {
  db = await freshDatabase();
  knex = db.knex;
  await knex('agents').insert([
    { login: '1001', name: 'Maria Silva' },
    { login: '1002', name: 'João Souza' },
  ]);
  const ev = (day: string, hms: string, agent: string, queue: string, kind: string) => ({ at: local(day, hms), agent, exten: '2001', queue, kind, source: 'http' });
  await knex('events').insert([
    ev('2026-11-10', '08:00:00', '1001', 'support', 'login'),
    ev('2026-11-11', '02:00:00', '1001', 'support', 'logoff'),
    ev('2026-11-10', '09:00:00', '1002', 'sales', 'login'),
  ]);
  await knex('queue_calls').insert([
    call('1001', 'support', '2026-11-10', '10:00:00', { talk_s: 120 }),
    // answered before midnight, ended after: all its talk on the day it was answered
    call('1001', 'support', '2026-11-10', '23:59:30', { talk_s: 60 }),
    call('1001', 'support', '2026-11-11', '00:30:00', { ring_ms: 15_000 }),
    call('1002', 'sales', '2026-11-10', '11:00:00', { talk_s: 300 }),
    // not counted: a member agentgate does not know, and a call before the range
    call(null, 'support', '2026-11-10', '12:00:00', { talk_s: 999 }),
    call('1001', 'support', '2026-11-09', '23:00:00', { talk_s: 999 }),
  ]);
});
after(async () => db.drop());

const ask = (group: ReportRequest['group']) => pauseReport(knex, parseReportRequest({ from: '2026-11-10', to: '2026-11-11', tz: TZ, group }), NOW);
const calls = (rows: Array<Record<string, unknown>>, key: string) =>
  Object.fromEntries(rows.map((r) => [String(r[key]), [r.calls_answered, r.talk_s, r.missed_rings]]));

describe('queue calls in the pause report', () => {
  test('by agent and by queue: calls answered, their talk time, and missed rings, of agentgate agents in the range', async () => {
    assert.deepEqual(calls((await ask('agent')).rows as never, 'agent'), { '1001': [2, 180, 1], '1002': [1, 300, 0] });
    assert.deepEqual(calls((await ask('queue')).rows as never, 'queue'), { sales: [1, 300, 0], support: [2, 180, 1] });
  });

  test('by day: where the call was answered (its whole talk there), missed rings where the ring began; by reason: none', async () => {
    assert.deepEqual(calls((await ask('day')).rows as never, 'day'), { '2026-11-10': [3, 480, 0], '2026-11-11': [0, 0, 1] });
    const byReason = await ask('reason');
    for (const r of byReason.rows) assert.deepEqual([r.calls_answered, r.talk_s, r.missed_rings], [null, null, null]);
  });

  test('a group with calls and no logged-in time of its own still has its row', async () => {
    await knex('queue_calls').insert(call('1002', 'billing', '2026-11-11', '09:00:00', { talk_s: 30 }));
    try {
      const billing = (await ask('queue')).rows.find((r) => r.queue === 'billing');
      assert.deepEqual(billing && [billing.logged_in_s, billing.paused_s, billing.calls_answered, billing.talk_s], [0, 0, 1, 30]);
    } finally {
      await knex('queue_calls').where({ queue: 'billing' }).delete();
    }
  });

  test('CSV, and the command line prints the same bytes', async (t) => {
    const csv = reportCsv(await ask('agent')).split('\r\n');
    assert.equal(csv[0], 'agent,name,logged_in_s,paused_s,pauses,longest_pause_s,paused_ratio,productive_paused_s,unproductive_paused_ratio,calls_answered,talk_s,missed_rings');
    assert.match(csv[1]!, /^1001,Maria Silva,([\d.]+,){7}2,180,1$/);
    if (!db.url) return t.skip('the command line needs a Postgres server here');
    const out = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', fileURLToPath(new URL('../../src/cli.ts', import.meta.url)), 'report', 'pauses', '--from', '2026-11-10', '--to', '2026-11-11', '--tz', TZ, '--by', 'day', '--csv'],
        { env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.on('close', (code) => resolve({ code, stdout }));
    });
    assert.equal(out.code, 0);
    // the range is closed (it ended before the real now), so the bytes do not depend on when it runs
    assert.equal(out.stdout, reportCsv(await pauseReport(knex, parseReportRequest({ from: '2026-11-10', to: '2026-11-11', tz: TZ, group: 'day' }))));
    assert.match(out.stdout, /\r\n2026-11-10,([\d.]+,){7}3,480,0\r\n2026-11-11,([\d.]+,){7}0,0,1\r\n$/);
  });
});

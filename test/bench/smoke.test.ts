import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { postgresReachable } from '../support/db.js';
import { runBench, table } from './run.js';

// The benchmark's own code, with tiny counts, so it cannot rot; timings are not asserted here.
test('npm run bench works end to end (smoke: tiny counts)', async (t) => {
  if (!(await postgresReachable())) return t.skip('the benchmark needs the Postgres on 127.0.0.1:5432');
  const dir = mkdtempSync(join(tmpdir(), 'agentgate-bench-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'results.json');
  const lines: string[] = [];
  const r = (await runBench({ smoke: true, out, log: (l) => lines.push(l) })) as Record<string, any>;
  assert.ok(lines.some((l) => l.startsWith('… storm')), 'it says what it is doing as it goes');
  assert.equal(r.http.length, 2);
  for (const level of r.http) {
    assert.equal(level.service.errors, 0, 'every command of the mix succeeded');
    assert.ok(level.service.perSecond > 0 && level.floor.perSecond > 0);
  }
  assert.equal(r.fixedRate.errors, 0);
  assert.deepEqual([r.storm.logins, r.storm.failures], [20, 0]);
  assert.equal(r.memory.idleSessions, 20, 'every idle session reached its question');
  assert.ok(r.embedded.pglite.perSecond > 0 && r.embedded.pglite.errors === 0);
  assert.equal(r.feedLoad.with.errors, 0, 'the mix with live-feed clients connected succeeded');
  assert.ok(r.feedLoad.everyClientUpTo, 'every live-feed client got every event');
  assert.ok(r.agentsList.p99ms > 0);
  assert.deepEqual([r.accessLoad.supervisor.errors, r.accessLoad.allowListed.errors], [0, 0], 'the mix with a supervisor key succeeded');
  assert.match(table(r), /\| HTTP mix, 8 clients, with a supervisor key \|/);
  assert.match(table(r), /\| HTTP mix, 8 clients \|/);
  assert.equal(r.report.breaks.shifts, 50 * 2, 'the breaks report: one shift per agent and day');
  assert.match(table(r), /\| breaks report, the same record \|/);
  // several PBXs: one service over four, then two instances
  assert.deepEqual([r.pbxes.logins.commands, r.pbxes.logins.failures], [40, 0], 'the logins over four PBXs');
  assert.equal(r.pbxes.latePbx.onTime.failures + r.pbxes.latePbx.late.failures, 0, 'the mix beside a late PBX succeeded');
  assert.equal(r.pbxes.memory.members, r.pbxes.agents, 'every agent a member on its PBX');
  assert.equal(r.pbxes.reconcile.corrections, 0, 'the reconcile of all four found nothing to correct');
  assert.deepEqual(r.pbxes.instances.connections, [2, 2, 2, 2], 'each PBX holds one connection per instance');
  assert.equal(r.pbxes.instances.both.written, r.pbxes.instances.alone.written, 'the burst written once with two instances');
  assert.ok(Number.isFinite(r.pbxes.instances.takeover.resyncBeganMs), 'the other instance took the resync over');
  assert.match(table(r), /\| `kill -9` of the instance holding p4's resync lease \|/);
});

import assert from 'node:assert/strict';
import net from 'node:net';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { AmiPbx } from '../../src/ami/client.js';
import { MIGRATION_LOCK } from '../../src/db/migrate.js';
import { createLogger } from '../../src/log.js';
import { resync } from '../../src/sync/resync.js';
import { SimAsterisk } from '../support/asterisk.js';
import { agentgate } from '../support/cli.js';
import { type Harness, startHarness } from '../support/harness.js';
import { type Scratch, scratchFolder } from '../support/scratch.js';
import { serve, stopServed } from '../support/service.js';
import { until } from '../support/until.js';

interface Line {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A logger whose JSON lines a test reads back. */
function capture(): { log: ReturnType<typeof createLogger>; lines: Line[] } {
  const stream = new PassThrough();
  const lines: Line[] = [];
  stream.on('data', (b: Buffer) => {
    for (const l of b.toString().split('\n')) if (l.trim() !== '') lines.push(JSON.parse(l) as Line);
  });
  return { log: createLogger('debug', stream), lines };
}

const WARN = 40;

describe('what a new user tripped on', () => {
  let h: Harness;
  let scratch: Scratch;
  before(async () => {
    h = await startHarness();
    scratch = scratchFolder('first-hour');
  });
  after(async () => {
    await h.close();
    scratch.remove();
  });

  test('the reconcile warns about members agentgate does not know only when that set changes', async () => {
    const { log, lines } = capture();
    const deps = { ...h.deps, log };
    const unknownWarnings = () => lines.filter((l) => l.level === WARN && /does not know/.test(l.msg)).length;
    h.sim.externalAdd('support', 'PJSIP/7777', 'Someone else');
    for (let i = 0; i < 3; i++) await resync(deps, 'reconcile');
    await until(() => lines.filter((l) => l.msg === 'reconcile done').length === 3, 'three reconciles logged');
    assert.equal(unknownWarnings(), 1, 'three reconciles, one set: one warning');
    h.sim.externalAdd('sales', 'PJSIP/7778', 'Another');
    await resync(deps, 'reconcile');
    await resync(deps, 'reconcile');
    await until(() => lines.filter((l) => l.msg === 'reconcile done').length === 5, 'five reconciles logged');
    assert.equal(unknownWarnings(), 2, 'the set changed once more');
    h.sim.externalRemove('support', 'PJSIP/7777');
    h.sim.externalRemove('sales', 'PJSIP/7778');
  });

  test('a wrong AMI secret is said once, naming AMI_USERNAME and AMI_SECRET, until the failure changes', async () => {
    const sim = await SimAsterisk.start({ secret: 'right', authFailDelayMs: 5 });
    const { log, lines } = capture();
    const pbx = new AmiPbx({ host: '127.0.0.1', port: sim.port, username: 'agentgate', secret: 'wrong', timeoutMs: 1000, logger: log, backoffMinMs: 5, backoffMaxMs: 20 });
    try {
      pbx.start();
      await until(() => sim.actionsOf('Login').length >= 5, 'five refused logins');
      const said = lines.filter((l) => l.level >= WARN && /ami connect failed/.test(l.msg));
      assert.equal(said.length, 1, JSON.stringify(said));
      assert.equal(said[0]?.msg, 'ami connect failed: AMI login refused: Authentication failed; retrying until it works');
      assert.match(String(said[0]?.fix), /AMI_USERNAME \("agentgate"\) and AMI_SECRET must match a \[agentgate\] section of manager\.conf/);
      await sim.close(); // a different failure is said again, once
      const refusedConnections = () => lines.filter((l) => l.level >= WARN && /ECONNREFUSED/.test(l.msg));
      await until(() => lines.filter((l) => /ECONNREFUSED/.test(String(l.reason))).length >= 3, 'three refused connections');
      assert.equal(refusedConnections().length, 1);
      assert.match(String(refusedConnections()[0]?.fix), /^check AMI_HOST and AMI_PORT \(now 127\.0\.0\.1:\d+\)/);
    } finally {
      await pbx.close();
      await sim.close();
    }
  });

  test('a port in use names HTTP_PORT or AGI_PORT', async (t) => {
    if (!h.db.url) return t.skip('needs a Postgres server');
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = String((busy.address() as net.AddressInfo).port);
    try {
      const base = { DATABASE_URL: h.db.url, AMI_PORT: String(h.sim.port), AMI_SECRET: 'test-secret', HTTP_PORT: '0', AGI_PORT: '0' };
      const http = await agentgate(['serve'], { ...base, HTTP_PORT: port });
      assert.notEqual(http.code, 0);
      assert.match(http.stderr, new RegExp(`HTTP_PORT=${port}: 127\\.0\\.0\\.1:${port} is already in use by another process \\(EADDRINUSE\\): stop it or set another HTTP_PORT`));
      const agi = await agentgate(['serve'], { ...base, AGI_PORT: port });
      assert.notEqual(agi.code, 0);
      assert.match(agi.stderr, /AGI_PORT=\d+: .* \(EADDRINUSE\): stop it or set another AGI_PORT/);
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });

  test('serve without DATABASE_URL warns that the embedded database is used, and where', async () => {
    const svc = await serve({ DATABASE_URL: '', DATA_DIR: scratch.dir, AMI_PORT: String(h.sim.port), AMI_SECRET: 'test-secret' });
    await stopServed(svc, 'SIGTERM');
    const line = svc.logs.map((l) => JSON.parse(l) as Line).find((l) => /^database opened/.test(l.msg));
    assert.equal(line?.level, WARN);
    assert.equal(line?.msg, `database opened: the embedded database in ${scratch.dir}, as DATABASE_URL is not set (one process only; for production set DATABASE_URL=postgres://…)`);
  });

  test('serve on a Postgres server says which one, at info', async (t) => {
    if (!h.db.url) return t.skip('needs a Postgres server');
    const svc = await serve({ DATABASE_URL: h.db.url, AMI_PORT: String(h.sim.port), AMI_SECRET: 'test-secret' });
    await stopServed(svc, 'SIGTERM');
    const line = svc.logs.map((l) => JSON.parse(l) as Line).find((l) => /^database opened/.test(l.msg));
    assert.equal(line?.level, 30);
    assert.match(line?.msg ?? '', /^database opened: postgres:\/\/postgres@127\.0\.0\.1:5432\/agentgate_t_/);
  });

  test('a second SIGTERM ends the process at once, while the first still waits for a command', async (t) => {
    if (!h.db.url) return t.skip('needs a Postgres server');
    const svc = await serve({ DATABASE_URL: h.db.url, AMI_PORT: String(h.sim.port), AMI_SECRET: 'test-secret', AMI_TIMEOUT_MS: '60000', SHUTDOWN_GRACE_MS: '600000' });
    try {
      await until(async () => (await fetch(`${svc.base}/readyz`)).status === 200, 'ready');
      h.sim.mode = 'silent'; // the command below waits for an answer that does not come
      const pending = fetch(`${svc.base}/api/agent.php?command=login&agent=1001&exten=2001&queue=support`).catch(() => undefined);
      await until(() => h.sim.actionsOf('QueueAdd').length > 0, 'the command under way');
      svc.child.kill('SIGTERM');
      await until(() => svc.logs.some((l) => l.includes('"msg":"shutting down"')), 'the first signal taken');
      svc.child.kill('SIGTERM');
      assert.equal(await svc.exited, 1);
      assert.ok(svc.logs.some((l) => l.includes('second SIGTERM: exiting now')), svc.logs.slice(-3).join('\n'));
      assert.ok(!svc.logs.some((l) => l.includes('"msg":"stopped"')));
      await pending;
    } finally {
      h.sim.mode = 'normal';
      svc.child.kill('SIGKILL');
    }
  });

  test('a SIGTERM while the start is stuck (the migration lock held elsewhere) still ends the process after the grace period', async (t) => {
    if (!h.db.url) return t.skip('needs a Postgres server');
    // another instance in the middle of migrating, for ever
    const trx = await h.knex.transaction();
    await trx.raw('select pg_advisory_xact_lock(?)', [MIGRATION_LOCK]);
    const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', cli, 'serve'], {
      env: { ...process.env, DATABASE_URL: h.db.url, HTTP_PORT: '0', AGI_PORT: '0', AMI_PORT: String(h.sim.port), AMI_SECRET: 'test-secret', SHUTDOWN_GRACE_MS: '100', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const lines: string[] = [];
    createInterface({ input: child.stdout! }).on('line', (l) => lines.push(l));
    try {
      await until(() => lines.some((l) => l.includes('database opened')), 'the start under way, waiting for the migration lock');
      child.kill('SIGTERM');
      assert.equal(await exited, 1);
      assert.ok(lines.some((l) => l.includes('stopping once started')) && lines.some((l) => l.includes('shutdown took too long')), lines.slice(-3).join('\n'));
    } finally {
      child.kill('SIGKILL');
      await trx.rollback();
    }
  });

  test('a shutdown stuck on a command ends by itself after the grace period, even with its stdout gone', async (t) => {
    if (!h.db.url) return t.skip('needs a Postgres server');
    const svc = await serve({ DATABASE_URL: h.db.url, AMI_PORT: String(h.sim.port), AMI_SECRET: 'test-secret', AMI_TIMEOUT_MS: '60000', SHUTDOWN_GRACE_MS: '100' });
    try {
      await until(async () => (await fetch(`${svc.base}/readyz`)).status === 200, 'ready');
      h.sim.mode = 'silent'; // the command waits for an answer that does not come
      const pending = fetch(`${svc.base}/api/agent.php?command=login&agent=1001&exten=2001&queue=support`).catch(() => undefined);
      await until(() => h.sim.actionsOf('QueueAdd').length > 0, 'the command under way');
      // nobody reads its log any more: a log write or flush must not keep it alive
      svc.child.stdout!.destroy();
      svc.child.stderr!.destroy();
      svc.child.kill('SIGTERM');
      const code = await svc.exited;
      assert.notEqual(code, 0, 'a shutdown cut short is not a clean stop');
      await pending;
    } finally {
      h.sim.mode = 'normal';
      svc.child.kill('SIGKILL');
    }
  });
});

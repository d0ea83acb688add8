import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import knexFactory from 'knex';
import { messageOf } from '../../src/commands/outcomes.js';
import { runCommand } from '../../src/commands/run.js';
import { type Harness, events, nextConnect, startHarness, HTTP_BY, PHONE_BY } from '../support/harness.js';
import { call } from '../http/call.js';

let h: Harness;
before(async () => {
  h = await startHarness({ timeoutMs: 300 });
});
after(async () => h.close());

const api = (params: Record<string, string>) => call(h.http, 'GET', params);

describe('faults: a clear answer and nothing recorded', () => {
  test('Asterisk refusing the action answers 502 PBX error with its message', async () => {
    await h.sim.close(); // a queue Asterisk does not know: its real message comes back
    h.sim = await (h.sim.constructor as typeof import('../support/asterisk.js').SimAsterisk).start({ port: h.sim.port, username: 'agentgate', secret: 'test-secret', queues: ['sales'] });
    await nextConnect(h.pbx);
    const res = await api({ command: 'login', agent: '1001', exten: '2001', queue: 'support' });
    assert.deepEqual([res.status, res.body], [502, { error: 'PBX error: Unable to add interface to queue: No such queue' }]);
    assert.equal((await api({ command: 'status', agent: '1001' })).body.state, 'logged_off');
    assert.deepEqual(await events(h.knex, '1001'), []);
  });

  test('refuse mode: a refused QueuePause answers 502 and the agent stays available', async () => {
    assert.deepEqual((await api({ command: 'login', agent: '1003', exten: '2003', queue: 'sales' })).body, { success: 'Login OK' });
    h.sim.refuseMessage = 'Permission denied';
    h.sim.mode = 'refuse';
    const res = await api({ command: 'pause', agent: '1003' });
    h.sim.mode = 'normal';
    assert.deepEqual([res.status, res.body], [502, { error: 'PBX error: Permission denied' }]);
    assert.equal((await api({ command: 'status', agent: '1003' })).body.state, 'available');
    assert.equal(h.sim.members()[0]?.paused, false);
  });

  test('a second queue refused mid-login: the first QueueAdd is taken back', async () => {
    const r = await runCommand(h.deps, { command: 'login', agent: '1004', exten: '2004', queues: ['sales', 'support'] }, PHONE_BY);
    assert.equal(messageOf(r), 'PBX error: Unable to add interface to queue: No such queue');
    assert.deepEqual(h.sim.members().filter((m) => m.interface === 'PJSIP/2004'), [], 'the sales membership was removed again');
    assert.equal(await h.knex('agent_sessions').where({ agent: '1004' }).first(), undefined);
  });

  test('Asterisk silent: 503 PBX unavailable after AMI_TIMEOUT_MS, nothing recorded', async () => {
    h.sim.mode = 'silent';
    const started = Date.now();
    const res = await api({ command: 'unpause', agent: '1003' }).then(() => api({ command: 'pause', agent: '1003' }));
    h.sim.mode = 'normal';
    assert.deepEqual([res.status, res.body], [503, { error: 'PBX unavailable' }]);
    assert.ok(Date.now() - started >= 250, 'waited for the timeout');
    assert.deepEqual(await h.knex('session_queues').where({ agent: '1003' }).pluck('paused'), [false]);
    const inDoubt = await h.knex('intents').where({ agent: '1003' }).first();
    assert.equal(inDoubt?.action, 'pause', 'the unanswered action stays in the in-doubt registry');
    assert.ok(new Date(inDoubt.deadline).getTime() <= Date.now() + 50, 'due at once: the caller was told PBX unavailable');
  });

  test('Postgres unreachable answers 503 Database unavailable', async () => {
    const dead = knexFactory({ client: 'pg', connection: { host: '127.0.0.1', port: 1, user: 'x', database: 'x', connectionTimeoutMillis: 500 }, pool: { min: 0, max: 1 }, acquireConnectionTimeout: 1000, log: { warn() {}, error() {}, debug() {}, deprecate() {} } });
    try {
      for (const command of ['login', 'pause', 'status']) {
        const r = await runCommand({ ...h.deps, db: dead }, { command, agent: '1001', exten: '2001', queue: 'sales' }, HTTP_BY);
        assert.equal(messageOf(r), 'Database unavailable', command);
      }
    } finally {
      await dead.destroy();
    }
  });

  test('the Postgres backend killed during a command: a clear answer, and Asterisk put back', async (t) => {
    if (!h.db.server) return t.skip('needs a Postgres server');
    // Kill our own backend while Asterisk is answering the QueuePause.
    const admin = knexFactory({ client: 'pg', connection: h.db.url });
    try {
      const slow = h.sim.mode;
      h.sim.mode = 'silent';
      const pending = runCommand(h.deps, { command: 'pause', agent: '1003', reason: 'Almoco' }, HTTP_BY);
      await new Promise((r) => setTimeout(r, 100));
      await admin.raw("select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and state like 'idle in transaction%'");
      h.sim.mode = slow;
      const r = messageOf(await pending);
      assert.ok(['Database unavailable', 'PBX unavailable'].includes(r), r);
      assert.deepEqual(await h.knex('session_queues').where({ agent: '1003' }).pluck('paused'), [false], 'nothing recorded');
      assert.equal(h.sim.members().find((m) => m.interface === 'Local/2003@from-queue/n')?.paused, false, 'Asterisk put back');
      // Every backend gone at once (a Postgres restart): the pool reconnects and commands carry on.
      await admin.raw('select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
      let answer = '';
      for (let i = 0; i < 3 && answer !== 'Pause OK'; i++) answer = messageOf(await runCommand(h.deps, { command: 'pause', agent: '1003' }, HTTP_BY));
      assert.equal(answer, 'Pause OK', 'carries on when the database is back');
    } finally {
      await admin.destroy();
    }
  });

  test('logoff from a queue Asterisk no longer has: Logoff OK, not a PBX error the agent could never get past', async () => {
    assert.deepEqual((await api({ command: 'login', agent: '1002', exten: '2002', queue: 'sales' })).body, { success: 'Login OK' });
    const port = h.sim.port;
    await h.sim.close();
    h.sim = await (h.sim.constructor as typeof import('../support/asterisk.js').SimAsterisk).start({ port, username: 'agentgate', secret: 'test-secret', queues: ['support'] });
    await nextConnect(h.pbx);
    const res = await api({ command: 'logoff', agent: '1002' });
    assert.deepEqual([res.status, res.body], [200, { success: 'Logoff OK' }]);
    assert.equal((await api({ command: 'status', agent: '1002' })).body.state, 'logged_off');
  });
});

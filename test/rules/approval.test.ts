import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createKey } from '../../src/access/keys.js';
import { messageOf } from '../../src/commands/outcomes.js';
import { phoneBy } from '../../src/commands/input.js';
import { runCommand } from '../../src/commands/run.js';
import { applyProvision, readProvisionFile } from '../../src/provision/apply.js';
import { fileSchema } from '../../src/provision/schema.js';
import { PendingPauses } from '../../src/sync/pending.js';
import { WebhookWorker } from '../../src/webhooks/worker.js';
import { type Harness, quietLog, startHarness, until, HTTP_BY } from '../support/harness.js';
import { BASE_YAML } from '../support/paths.js';
import { Receiver } from '../support/receiver.js';

// Reasons that need a yes (CONTRACT §10, docs/pauses.md): `Medico` waits 300 s, `Curso` 1 s.
const SECRET = 'approval-test-secret';
const KINDS = ['pause', 'pause_requested', 'pause_approved', 'pause_denied'];
let h: Harness;
let receiver: Receiver;
let worker: WebhookWorker;
let pending: PendingPauses;
const keys: Record<string, string> = {};

before(async () => {
  h = await startHarness();
  receiver = await Receiver.start(SECRET);
  const base = readProvisionFile(BASE_YAML);
  const extra = fileSchema.parse({
    pause_reasons: [
      { code: 7, name: 'Medico', approval: true },
      { code: 8, name: 'Curso', approval: true, approval_timeout_s: 1 },
    ],
    webhooks: [{ url: receiver.url, events: KINDS, secret: SECRET }],
  });
  await applyProvision(h.knex, { ...base, pause_reasons: [...base.pause_reasons, ...extra.pause_reasons], webhooks: extra.webhooks }, { prune: false, path: 'approval.yaml' });
  worker = new WebhookWorker({ db: h.knex, log: quietLog }, { pollMs: 20, timeoutMs: 2000 });
  worker.start();
  pending = new PendingPauses(h.deps, { tickMs: 100 });
  pending.start();
  keys.lead = await createKey(h.knex, { name: 'lead', role: 'supervisor' });
  keys.sales = await createKey(h.knex, { name: 'sales-lead', role: 'supervisor', queues: ['sales'] });
  keys.maria = await createKey(h.knex, { name: 'maria', role: 'agent', agent: '1001' });
  keys.screen = await createKey(h.knex, { name: 'screen', role: 'display' });
  assert.equal(messageOf(await runCommand(h.deps, { command: 'login', agent: '1001', exten: '2001', queue: 'support' }, HTTP_BY)), 'Login OK');
});
after(async () => {
  pending.stop();
  await pending.idle();
  worker.stop();
  await receiver.close();
  await h.close();
});

async function api(params: Record<string, string>, key?: string): Promise<unknown> {
  const headers = key ? { authorization: `Bearer ${key}` } : {};
  const res = await h.http.inject({ method: 'GET', url: `/api/agent.php?${new URLSearchParams(params)}`, remoteAddress: '10.9.9.9', headers });
  return res.json();
}
const status = async () => (await api({ command: 'status', agent: '1001' }, keys.lead)) as { state: string; reason: string | null; pending_pause?: { reason: string; approval: boolean } };
const lastEvent = async (kind: string) => h.knex('events').where({ agent: '1001', kind }).orderBy('id', 'desc').first();

describe('reasons that need a yes', () => {
  test('asked for, it changes nothing until a supervisor approves: then the agent is paused with it', async () => {
    const sent = h.sim.actionsOf('QueuePause').length;
    assert.deepEqual(await api({ command: 'pause', agent: '1001', reason: 'medico' }, keys.maria), { success: 'Pause requested' });
    assert.equal(h.sim.actionsOf('QueuePause').length, sent, 'nothing asked of Asterisk');
    const asked = await status();
    assert.deepEqual([asked.state, asked.pending_pause?.reason, asked.pending_pause?.approval], ['available', 'Medico', true]);
    assert.equal((await lastEvent('pause_requested')).actor, 'agent:1001');
    // asking again keeps the one request
    assert.deepEqual(await api({ command: 'pause', agent: '1001', reason: 'Medico' }, keys.maria), { success: 'Pause requested' });
    assert.equal(await h.knex('events').where({ agent: '1001', kind: 'pause_requested' }).count().first().then((r) => Number(r?.count)), 1);

    // only a supervisor or an admin decides: never the agent, a display, the phone, or a supervisor of other queues
    assert.deepEqual(await api({ command: 'approve', agent: '1001' }, keys.maria), { error: 'Forbidden' });
    assert.deepEqual(await api({ command: 'approve', agent: '1001' }, keys.screen), { error: 'Forbidden' });
    assert.deepEqual(await api({ command: 'approve', agent: '1001' }, keys.sales), { error: 'Forbidden' });
    assert.equal(messageOf(await runCommand(h.deps, { command: 'approve', agent: '1001' }, phoneBy('2001'))), 'Forbidden');
    assert.equal((await status()).state, 'available');

    assert.deepEqual(await api({ command: 'approve', agent: '1001' }, keys.lead), { success: 'Pause approved' });
    const now = await status();
    assert.deepEqual([now.state, now.reason, now.pending_pause], ['paused', 'Medico', undefined]);
    assert.ok(h.sim.members().some((m) => m.interface === 'PJSIP/2001' && m.paused && m.reason === 'Medico'), 'Asterisk has the pause');
    assert.equal((await lastEvent('pause_approved')).actor, 'key:lead');
    assert.equal((await lastEvent('pause')).actor, 'agent:1001', 'the pause is the agent\'s own');
    assert.deepEqual(await api({ command: 'approve', agent: '1001' }, keys.lead), { error: 'No pause requested' });
    assert.deepEqual(await api({ command: 'unpause', agent: '1001' }, keys.maria), { success: 'Unpause OK' });
  });

  test('denied by a supervisor, or by the timeout (actor policy), the agent stays available', async () => {
    assert.deepEqual(await api({ command: 'pause', agent: '1001', reason: '7' }, keys.maria), { success: 'Pause requested' });
    assert.deepEqual(await api({ command: 'deny', agent: '1001' }, keys.lead), { success: 'Pause denied' });
    assert.deepEqual([(await status()).state, (await status()).pending_pause], ['available', undefined]);
    assert.equal((await lastEvent('pause_denied')).actor, 'key:lead');

    assert.deepEqual(await api({ command: 'pause', agent: '1001', reason: 'Curso' }, keys.maria), { success: 'Pause requested' });
    await until(async () => (await status()).pending_pause === undefined, 'the request timed out');
    const denied = await lastEvent('pause_denied');
    assert.deepEqual([denied.reason, denied.source, denied.actor], ['Curso', 'policy', 'policy']);
    assert.equal((await status()).state, 'available');
  });

  test('a supervisor pausing with such a reason needs no yes; every step went out as a webhook with its actor', async () => {
    assert.deepEqual(await api({ command: 'pause', agent: '1001', reason: 'Medico' }, keys.lead), { success: 'Pause OK' });
    assert.deepEqual(await api({ command: 'unpause', agent: '1001' }, keys.lead), { success: 'Unpause OK' });
    const want = await h.knex('events').where({ agent: '1001' }).whereIn('kind', KINDS).orderBy('id').select('kind', 'actor');
    await until(() => receiver.accepted().length >= want.length, 'every event delivered');
    const got = receiver.accepted().map((r) => ({ kind: r.body.kind, actor: r.body.actor }));
    assert.deepEqual(got, want.map((e) => ({ kind: e.kind, actor: e.actor })));
    assert.ok(receiver.accepted().every((r) => r.signed));
    for (const kind of ['pause_requested', 'pause_approved', 'pause_denied']) assert.ok(got.some((g) => g.kind === kind), `${kind} went out`);
  });

  test('an unpause that Asterisk refuses cancels nothing: the request still waits, and no event says it was cancelled', async () => {
    // paused in sales only (as Asterisk may pause one queue): asking for a reason that needs a yes is still a request
    assert.equal(messageOf(await runCommand(h.deps, { command: 'login', agent: '1001', exten: '2001', queue: 'sales' }, HTTP_BY)), 'Login OK');
    assert.ok(h.sim.externalPause('PJSIP/2001', true, 'Supervisor', 'sales'));
    await h.knex('session_queues').where({ agent: '1001', queue: 'sales' }).update({ paused: true, reason: 'Supervisor' });
    assert.deepEqual(await api({ command: 'pause', agent: '1001', reason: '7' }, keys.maria), { success: 'Pause requested' });
    h.sim.mode = 'refuse';
    h.sim.refuseMessage = 'Interface not found';
    try {
      assert.deepEqual(await api({ command: 'unpause', agent: '1001' }, keys.maria), { error: 'PBX error: Interface not found' });
    } finally {
      h.sim.mode = 'normal';
    }
    assert.equal((await status()).pending_pause?.reason, 'Medico', 'the request still waits');
    assert.equal(await h.knex('events').where({ agent: '1001', kind: 'pause_cancelled' }).first(), undefined);
    // the unpause that goes through cancels it, with its event
    assert.deepEqual(await api({ command: 'unpause', agent: '1001' }, keys.maria), { success: 'Unpause OK' });
    assert.equal((await status()).pending_pause, undefined);
    assert.equal((await lastEvent('pause_cancelled')).reason, 'Medico');
    assert.deepEqual(await api({ command: 'logoff', agent: '1001' }, keys.lead), { success: 'Logoff OK' });
  });
});

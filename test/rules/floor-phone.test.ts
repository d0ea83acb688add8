import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PROMPTS } from '../../src/agi/prompts.js';
import { type AgiCallOptions, type AgiCallRecord, callAgi } from '../support/agi-caller.js';
import { type Harness, startHarness } from '../support/harness.js';
import { startPhoneServer } from '../support/phone-server.js';

// The floor and the reasons that need a yes, on the phone (CONTRACT §10).
let h: Harness;
let server: Awaited<ReturnType<typeof startPhoneServer>>;

before(async () => {
  h = await startHarness();
  server = await startPhoneServer(h.deps);
  await h.knex('queues').where({ name: 'support' }).update({ min_available: 1 });
  await h.knex('pause_reasons').insert({ code: 7, name: 'Medico', approval: true });
});
after(async () => {
  await server.close();
  await h.close();
});

const phone = (opts: AgiCallOptions): Promise<AgiCallRecord> => callAgi(server.port, { language: 'pt_BR', ...opts });
const p = (name: keyof typeof PROMPTS) => PROMPTS[name];
const result = (rec: AgiCallRecord) => [rec.variablesSet.AGENTGATE_RESULT, rec.variablesSet.AGENTGATE_MESSAGE];

test('*51 under a floor: the prompt says no and offers 1 to queue; without it nothing waits, with it the pause is queued', async () => {
  assert.deepEqual(result(await phone({ script: 'login', callerId: '2001', dtmf: ['1001', '1234'] })), ['success', 'Login OK']);
  const no = await phone({ script: 'pause?reason=1', callerId: '2001', dtmf: [''] });
  assert.deepEqual(no.played, [p('pauseNotAllowed'), p('goodbye')]);
  assert.deepEqual(result(no), ['error', 'Pause not allowed now']);
  assert.equal(await h.knex('pending_pauses').count().first().then((r) => Number(r?.count)), 0);

  const yes = await phone({ script: 'pause?reason=1', callerId: '2001', dtmf: ['1'] });
  assert.deepEqual(yes.played, [p('pauseNotAllowed'), p('pauseQueued')]);
  assert.deepEqual(result(yes), ['success', 'Pause queued']);
  const row = await h.knex('pending_pauses').where({ agent: '1001' }).first();
  assert.deepEqual([row.kind, row.reason, row.source, row.actor], ['floor', 'Almoco', 'phone', 'phone:2001']);

  // an IVR without prompts asks for it in the address
  await h.knex('pending_pauses').delete();
  const silent = await phone({ script: 'pause?reason=2&wait=1&silent', callerId: '2001' });
  assert.deepEqual([silent.played, result(silent)], [[], ['success', 'Pause queued']]);
  assert.deepEqual(result(await phone({ script: 'unpause', callerId: '2001' })), ['success', 'Unpause OK']);
  assert.equal(await h.knex('pending_pauses').count().first().then((r) => Number(r?.count)), 0, 'the unpause cancelled it');
});

test('*51 with a reason that needs a yes: requested, and nothing changes', async () => {
  await h.knex('queues').where({ name: 'support' }).update({ min_available: null });
  const rec = await phone({ script: 'pause?reason=7', callerId: '2001' });
  assert.deepEqual([rec.played, result(rec)], [[p('pauseRequested')], ['success', 'Pause requested']]);
  assert.equal(h.sim.members().find((m) => m.interface === 'PJSIP/2001')?.paused, false);
});

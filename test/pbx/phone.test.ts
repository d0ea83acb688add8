import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type AgiCallOptions, callAgi } from '../support/agi-caller.js';
import { type Harness, startHarness } from '../support/harness.js';
import { TWO_PBXES_YAML } from '../support/paths.js';
import { startPhoneServer } from '../support/phone-server.js';

// CONTRACT §9, the phone: a FastAGI session belongs to the PBX whose agi_from holds its address, and
// acts only for that PBX's extensions.
let h: Harness;
let phone: Awaited<ReturnType<typeof startPhoneServer>>;
before(async () => {
  h = await startHarness({ yaml: TWO_PBXES_YAML });
  phone = await startPhoneServer(h.deps, {}, '127.0.0.0/8');
  // what the service's registry reads as it starts (and again at each resync)
  await h.deps.pbxes.refresh(h.knex);
  // the record as logins leave it: Maria on a's phone, João on b's (placement is other tests')
  await h.knex('agent_sessions').insert([
    { agent: '1001', exten: '2001', interface: 'PJSIP/2001', member_name: 'Maria Silva', since: new Date() },
    { agent: '1002', exten: '3001', interface: 'PJSIP/3001', member_name: 'João Souza', since: new Date() },
  ]);
  await h.knex('session_queues').insert([
    { agent: '1001', queue: 'support', paused: false },
    { agent: '1002', queue: 'sales', paused: false },
  ]);
});
after(async () => {
  await phone.close();
  await h.close();
});

const dial = async (from: string, opts: Partial<AgiCallOptions>) => {
  const rec = await callAgi(phone.port, { script: 'status?silent', localAddress: from, ...opts });
  return [rec.variablesSet.AGENTGATE_RESULT, rec.variablesSet.AGENTGATE_MESSAGE];
};

test("each PBX's phones are known from its own address", async () => {
  assert.deepEqual(await dial('127.0.0.1', { channel: 'PJSIP/2001-00000001', callerId: '2001' }), ['success', 'Status OK']);
  assert.deepEqual(await dial('127.0.0.2', { channel: 'PJSIP/3001-00000001', callerId: '3001' }), ['success', 'Status OK']);
});

test("another PBX's extension is unknown: by its device or by its caller number", async () => {
  assert.deepEqual(await dial('127.0.0.1', { channel: 'PJSIP/3001-00000002', callerId: '3001' }), ['error', 'Exten not exists']);
  assert.deepEqual(await dial('127.0.0.2', { channel: 'Local/2001@from-internal-00000003;2', callerId: '2001' }), ['error', 'Exten not exists']);
  // its own PBX's number still goes by the caller number (AGI_CALLERID_FALLBACK on)
  assert.deepEqual(await dial('127.0.0.1', { channel: 'Local/2001@from-internal-00000004;2', callerId: '2001' }), ['success', 'Status OK']);
});

test("an address in no PBX's agi_from acts for no extension", async () => {
  assert.deepEqual(await dial('127.0.0.3', { channel: 'PJSIP/2001-00000005', callerId: '2001' }), ['error', 'Exten not exists']);
});

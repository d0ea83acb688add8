import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { applyProvision, readProvisionFile } from '../../src/provision/apply.js';
import type { Service } from '../../src/service.js';
import { SimAsterisk } from '../support/asterisk.js';
import { type TestDb, freshDatabase } from '../support/db.js';
import { serveOnPbxes, twoPbxesYaml } from '../support/two-pbxes.js';
import { until } from '../support/harness.js';
import { TcpProxy } from '../support/proxy.js';
import { type Scratch, scratchFolder } from '../support/scratch.js';
import { command } from '../support/service.js';

// CONTRACT §9, isolation: a PBX that does not answer (its bytes held by a proxy) delays neither
// the commands nor the resync of another.

let db: TestDb;
let scratch: Scratch;
let simA: SimAsterisk;
let simB: SimAsterisk;
let amiB: TcpProxy;
let svc: Service | undefined;
let base = '';

before(async () => {
  db = await freshDatabase();
  scratch = scratchFolder('pbx-slow');
  simA = await SimAsterisk.start({ username: 'agentgate', secret: 'slow-a', queues: ['support'] });
  simB = await SimAsterisk.start({ username: 'agentgate', secret: 'slow-b', queues: ['sales'] });
  amiB = await TcpProxy.start(simB.port);
  const yaml = twoPbxesYaml(simA.port, amiB.port, `pause_reasons:\n  - { code: 1, name: Almoco }\n`);
  await applyProvision(db.knex, readProvisionFile(scratch.file('two.yaml', yaml)), { prune: false, path: 'two.yaml' });
  if (!db.url) return;
  // answers held here stay within the AMI timeout: the held command is still waiting, not failed
  ({ svc, base } = await serveOnPbxes(db.url, { AMI_TIMEOUT_MS: '20000', PBX_A_SECRET: 'slow-a', PBX_B_SECRET: 'slow-b' }, ['a', 'b']));
});
after(async () => {
  amiB.releaseAll();
  await svc?.close();
  await amiB.close();
  await simA.close();
  await simB.close();
  await db.drop();
  scratch.remove();
});

test('while one PBX holds a login’s answer, commands on the other answer at once', async (t) => {
  if (!svc) return t.skip('needs a Postgres server');
  const held = amiB.hold('toClient', 'Added interface to queue');
  let slowAnswer: string | undefined;
  const slow = command(base, { command: 'login', agent: '1002', exten: '2002', queue: 'sales' }).then((a) => (slowAnswer = a));
  await held;
  assert.equal(await command(base, { command: 'login', agent: '1001', exten: '2001', queue: 'support' }), 'Login OK');
  assert.equal(await command(base, { command: 'pause', agent: '1001', reason: 'Almoco' }), 'Pause OK');
  assert.equal(await command(base, { command: 'unpause', agent: '1001' }), 'Unpause OK');
  assert.equal(slowAnswer, undefined, 'the login on the slow PBX is still waiting');
  amiB.releaseAll();
  assert.equal(await slow, 'Login OK');
  assert.deepEqual(simB.members().map((m) => `${m.queue} ${m.interface}`), ['sales PJSIP/2002']);
});

test('while one PBX’s resync waits for its QueueStatus, the other’s resync runs', async (t) => {
  if (!svc) return t.skip('needs a Postgres server');
  const s = svc;
  const held = amiB.hold('toServer', 'Action: QueueStatus');
  simB.dropConnections(); // b reconnects, and its resync's QueueStatus is held
  await held;
  const asked = simB.actionsOf('QueueStatus').length;
  await simA.restart(); // a loses its members and reconnects: its resync puts them back
  const resynced = async () => (await db.knex('events').where({ source: 'resync' })).map((e) => `${e.agent} ${e.kind} ${e.queue}`).join();
  await until(async () => (await resynced()) === '1001 login support', 'a’s resync put back and recorded a’s member');
  assert.ok(simA.members().some((m) => m.interface === 'PJSIP/2001'));
  assert.equal(simB.actionsOf('QueueStatus').length, asked, 'b’s resync is still waiting meanwhile');
  amiB.releaseAll();
  await until(() => s.pbxes.isUp('b'), 'b up');
  await s.keeper.idle();
  assert.deepEqual(simB.members().map((m) => `${m.queue} ${m.interface}`), ['sales PJSIP/2002'], 'b’s resync found its member there');
});

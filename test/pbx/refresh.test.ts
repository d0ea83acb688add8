import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { applyProvision, readProvisionFile } from '../../src/provision/apply.js';
import type { Service } from '../../src/service.js';
import { SimAsterisk } from '../support/asterisk.js';
import { type TestDb, freshDatabase } from '../support/db.js';
import { until } from '../support/harness.js';
import { type Scratch, scratchFolder } from '../support/scratch.js';
import { serveOnPbxes } from '../support/two-pbxes.js';
import { command } from '../support/service.js';

// The PBX registry follows provisioning while the service runs: a PBX added is connected, one whose
// address changed is reconnected there, at the next reconcile.

let db: TestDb;
let scratch: Scratch;
const sims: SimAsterisk[] = [];
let svc: Service | undefined;
let base = '';

const sim = async (secret: string, queues: string[]) => {
  const s = await SimAsterisk.start({ username: 'agentgate', secret, queues });
  sims.push(s);
  return s;
};
const pbx = (name: string, port: number) => `  - { name: ${name}, ami: { host: 127.0.0.1, port: ${port}, username: agentgate, secret_env: PBX_${name.toUpperCase()}_SECRET } }\n`;
const apply = (name: string, text: string) => applyProvision(db.knex, readProvisionFile(scratch.file(name, text)), { prune: false, path: name });

let simA: SimAsterisk;
before(async () => {
  db = await freshDatabase();
  scratch = scratchFolder('pbx-refresh');
  simA = await sim('refresh-a', ['support']);
  await apply(
    'a.yaml',
    `pbxes:\n${pbx('a', simA.port)}queues:\n  - { name: support, pbx: a }\nextensions:\n  - { exten: "2001", pbx: a }\n  - { exten: "2002", pbx: a }\nagents:\n  - { agent: "1001", name: "Maria" }\n  - { agent: "1002", name: "Joao" }\n`,
  );
  if (!db.url) return;
  ({ svc, base } = await serveOnPbxes(db.url, { PBX_A_SECRET: 'refresh-a', PBX_B_SECRET: 'refresh-b' }, ['a']));
});
after(async () => {
  await svc?.close();
  for (const s of sims) await s.close();
  await db.drop();
  scratch.remove();
});

test('a PBX provisioned while the service runs is connected at the next reconcile, and its queues work', async (t) => {
  if (!svc) return t.skip('needs a Postgres server');
  const s = svc;
  const simB = await sim('refresh-b', ['sales']);
  // 2002 moves to b with it: a's extensions reach b's queues only through a remote_interface
  await apply('b.yaml', `pbxes:\n${pbx('a', simA.port)}${pbx('b', simB.port)}queues:\n  - { name: sales, pbx: b }\nextensions:\n  - { exten: "2002", pbx: b }\n`);
  assert.deepEqual(s.pbxes.names(), ['a'], 'nothing changes before the reconcile');
  s.keeper.request('reconcile');
  await s.keeper.idle();
  await until(() => s.pbxes.isUp('b'), 'b connected');
  assert.equal(await command(base, { command: 'login', agent: '1002', exten: '2002', queue: 'sales' }), 'Login OK');
  assert.deepEqual(simB.members().map((m) => `${m.queue} ${m.interface}`), ['sales PJSIP/2002']);
  assert.deepEqual(simA.members(), []);
  assert.equal(await command(base, { command: 'logoff', agent: '1002' }), 'Logoff OK');
});

test('a PBX whose address changed is reconnected at its new address', async (t) => {
  if (!svc) return t.skip('needs a Postgres server');
  const s = svc;
  const moved = await sim('refresh-b', ['sales']);
  await apply('moved.yaml', `pbxes:\n${pbx('a', simA.port)}${pbx('b', moved.port)}`);
  const before = s.pbxes.get('b');
  s.keeper.request('reconcile');
  await s.keeper.idle();
  assert.notEqual(s.pbxes.get('b'), before, 'a new connection');
  await until(() => s.pbxes.isUp('b'), 'b connected at its new address');
  assert.equal(await command(base, { command: 'login', agent: '1002', exten: '2002', queue: 'sales' }), 'Login OK');
  assert.deepEqual(moved.members().map((m) => `${m.queue} ${m.interface}`), ['sales PJSIP/2002']);
});

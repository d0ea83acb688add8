import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { applyProvision, readProvisionFile } from '../../src/provision/apply.js';
import type { Service } from '../../src/service.js';
import { type AmiMessage, SimAsterisk } from '../support/asterisk.js';
import { type TestDb, freshDatabase } from '../support/db.js';
import { until } from '../support/harness.js';
import { type Scratch, scratchFolder } from '../support/scratch.js';
import { serveOnPbxes } from '../support/two-pbxes.js';
import { command } from '../support/service.js';

// Four simulated PBXs over TCP (CONTRACT §9): each queue's members on its own PBX, a member across
// PBXs through its PBX's remote_interface, and one PBX restarted with its members lost: all of them
// back within 5 s, nothing asked of the three others.

const NAMES = ['p1', 'p2', 'p3', 'p4'] as const;
let db: TestDb;
let scratch: Scratch;
const sims = new Map<string, SimAsterisk>();
let svc: Service | undefined;
let base = '';

before(async () => {
  db = await freshDatabase();
  scratch = scratchFolder('pbx-four');
  for (const name of NAMES) sims.set(name, await SimAsterisk.start({ username: 'agentgate', secret: `four-${name}`, queues: [`q-${name}`] }));
  const n = (name: string) => NAMES.indexOf(name as (typeof NAMES)[number]) + 1;
  const yaml = [
    'pbxes:',
    ...NAMES.map((name) => `  - { name: ${name}, ami: { host: 127.0.0.1, port: ${sims.get(name)!.port}, username: agentgate, secret_env: PBX_${name.toUpperCase()}_SECRET }, remote_interface: "PJSIP/{exten}@from-${name}" }`),
    'queues:',
    ...NAMES.map((name) => `  - { name: q-${name}, number: ${n(name)}00, callcenter: true, pbx: ${name} }`),
    'extensions:',
    // three extensions on each PBX: 2p01..2p03
    ...NAMES.flatMap((name) => [1, 2, 3].map((i) => `  - { exten: "2${n(name)}0${i}", callcenter: true, pbx: ${name} }`)),
    'agents:',
    ...NAMES.flatMap((name) => [1, 2, 3].map((i) => `  - { agent: "1${n(name)}0${i}", name: "Agent ${n(name)}${i}" }`)),
    '',
  ].join('\n');
  await applyProvision(db.knex, readProvisionFile(scratch.file('four.yaml', yaml)), { prune: false, path: 'four.yaml' });
  if (!db.url) return;
  const secrets = Object.fromEntries(NAMES.map((name) => [`PBX_${name.toUpperCase()}_SECRET`, `four-${name}`]));
  ({ svc, base } = await serveOnPbxes(db.url, secrets, NAMES));
});
after(async () => {
  await svc?.close();
  for (const s of sims.values()) await s.close();
  await db.drop();
  scratch.remove();
});

const members = (name: string) => sims.get(name)!.members().map((m) => `${m.queue} ${m.interface}`).sort();
const memberActions = (name: string) => sims.get(name)!.actions.filter((a: AmiMessage) => ['QueueAdd', 'QueueRemove', 'QueuePause'].includes(a.Action ?? ''));

test('every login lands on its queue’s PBX; an agent of p1 in p1’s and p3’s queues is a member on both', async (t) => {
  if (!svc) return t.skip('needs a Postgres server');
  for (const [i, name] of NAMES.entries()) {
    for (const k of [1, 2, 3]) assert.equal(await command(base, { command: 'login', agent: `1${i + 1}0${k}`, exten: `2${i + 1}0${k}`, queue: `q-${name}` }), 'Login OK');
  }
  // 1101 (on p1's 2101) joins p3's queue too
  assert.equal(await command(base, { command: 'login', agent: '1101', exten: '2101', queue: 'q-p3' }), 'Login OK');
  assert.deepEqual(members('p1'), ['q-p1 PJSIP/2101', 'q-p1 PJSIP/2102', 'q-p1 PJSIP/2103']);
  assert.deepEqual(members('p2'), ['q-p2 PJSIP/2201', 'q-p2 PJSIP/2202', 'q-p2 PJSIP/2203']);
  assert.deepEqual(members('p3'), ['q-p3 PJSIP/2101@from-p1', 'q-p3 PJSIP/2301', 'q-p3 PJSIP/2302', 'q-p3 PJSIP/2303']);
  assert.deepEqual(members('p4'), ['q-p4 PJSIP/2401', 'q-p4 PJSIP/2402', 'q-p4 PJSIP/2403']);
  const agents = (await (await fetch(`${base}/api/agents?pbx=p3`)).json()) as { agents: Array<{ agent: string; pbx: string }> };
  assert.deepEqual(agents.agents.map((a) => `${a.agent} ${a.pbx}`).sort(), ['1301 p3', '1302 p3', '1303 p3'], '?pbx= keeps the agents on that PBX’s phones');
});

test('p3 restarted with its members lost: all four back within 5 s, the three others asked nothing', async (t) => {
  if (!svc) return t.skip('needs a Postgres server');
  const before = members('p3');
  for (const s of sims.values()) s.clearActions();
  await sims.get('p3')!.restart();
  assert.deepEqual(members('p3'), [], 'p3 lost its members');
  await until(() => members('p3').length === before.length, 'p3’s members back', 5000);
  assert.deepEqual(members('p3'), before, 'each as it was, the member across PBXs under p1’s remote_interface');
  for (const name of ['p1', 'p2', 'p4']) assert.deepEqual(memberActions(name), [], `nothing sent to ${name}`);
  await svc.keeper.idle();
  const rows = await db.knex('events').where({ source: 'resync' }).orderBy('agent');
  assert.deepEqual(rows.map((e) => `${e.agent} ${e.kind} ${e.queue} ${e.pbx}`), ['1101 login q-p3 p3', '1301 login q-p3 p3', '1302 login q-p3 p3', '1303 login q-p3 p3']);
});

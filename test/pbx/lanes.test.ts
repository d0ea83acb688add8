import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PbxSet } from '../../src/ami/pbxes.js';
import type { Deps } from '../../src/commands/deps.js';
import { applyProvision, readProvisionFile } from '../../src/provision/apply.js';
import { inLanes } from '../../src/sync/lanes.js';
import { type TestDb, freshDatabase } from '../support/db.js';
import { until } from '../support/harness.js';
import { type Scratch, scratchFolder } from '../support/scratch.js';

// The jobs that act for many agents (the pause rules' unpauses, the waiting pauses) go PBX by PBX:
// an agent whose PBX keeps its command waiting holds back only the agents on that PBX.

let db: TestDb;
let scratch: Scratch;
before(async () => {
  db = await freshDatabase();
  scratch = scratchFolder('pbx-lanes');
  const yaml = `pbxes:
  - { name: a, ami: { host: 127.0.0.1, port: 5038, username: agentgate, secret_env: PBX_A_SECRET } }
  - { name: b, ami: { host: 127.0.0.1, port: 5039, username: agentgate, secret_env: PBX_B_SECRET } }
queues:
  - { name: support, pbx: a }
  - { name: sales, pbx: b }
extensions:
  - { exten: "2001", pbx: a }
  - { exten: "2002", pbx: b }
  - { exten: "2003", pbx: b }
agents:
  - { agent: "1001", name: "on a" }
  - { agent: "1002", name: "on b" }
  - { agent: "1003", name: "on b too" }
  - { agent: "1004", name: "logged off" }
`;
  await applyProvision(db.knex, readProvisionFile(scratch.file('lanes.yaml', yaml)), { prune: false, path: 'lanes.yaml' });
  const sessions = [
    ['1001', '2001', 'support'],
    ['1002', '2002', 'sales'],
    ['1003', '2003', 'sales'],
  ];
  await db.knex('agent_sessions').insert(sessions.map(([agent, exten]) => ({ agent, exten, interface: `PJSIP/${exten}`, member_name: agent })));
  await db.knex('session_queues').insert(sessions.map(([agent, , queue]) => ({ agent, queue })));
});
after(async () => {
  await db.drop();
  scratch.remove();
});

test('an agent whose PBX keeps the job waiting holds back only the agents on that PBX, in their order', async () => {
  const pbxes = PbxSet.of({});
  await pbxes.readPlaces(db.knex);
  const deps = { db: db.knex, pbxes } as Pick<Deps, 'db' | 'pbxes'> as Deps;
  let answerB: () => void = () => undefined;
  const slowB = new Promise<void>((resolve) => (answerB = resolve));
  const done: string[] = [];
  const run = inLanes(deps, ['1002', '1003', '1001', '1004'].map((agent) => ({ agent })), async ({ agent }) => {
    if (agent === '1002') await slowB;
    done.push(agent);
  });
  await until(() => done.includes('1001') && done.includes('1004'), 'the agents not on b went ahead');
  assert.deepEqual(done.filter((a) => a === '1002' || a === '1003'), [], 'those on b wait behind the first');
  answerB();
  await run;
  assert.deepEqual(done.filter((a) => a === '1002' || a === '1003'), ['1002', '1003'], 'in their order');
});

test('a failure ends its own lane; the others finish before it is thrown', async () => {
  const pbxes = PbxSet.of({});
  await pbxes.readPlaces(db.knex);
  const deps = { db: db.knex, pbxes } as Pick<Deps, 'db' | 'pbxes'> as Deps;
  const done: string[] = [];
  await assert.rejects(
    inLanes(deps, ['1002', '1003', '1001'].map((agent) => ({ agent })), async ({ agent }) => {
      if (agent === '1002') throw new Error('b failed');
      await new Promise((r) => setImmediate(r));
      done.push(agent);
    }),
    /b failed/,
  );
  assert.deepEqual(done, ['1001']);
});

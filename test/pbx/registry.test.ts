import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { AmiPbx } from '../../src/ami/client.js';
import { PbxSet, type PbxSetOptions } from '../../src/ami/pbxes.js';
import { applyProvision, readProvisionFile } from '../../src/provision/apply.js';
import { SimAsterisk } from '../support/asterisk.js';
import { type TestDb, freshDatabase } from '../support/db.js';
import { BASE_YAML } from '../support/paths.js';
import { until } from '../support/harness.js';
import { type Scratch, scratchFolder } from '../support/scratch.js';

// The registry on its own: what it connects to, from which rows, and what it says about each PBX.

let db: TestDb;
let scratch: Scratch;
let sim: SimAsterisk;
const lines: string[] = [];
const log = pino(
  { level: 'debug' },
  new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  }),
);
before(async () => {
  db = await freshDatabase();
  scratch = scratchFolder('pbx-registry');
  sim = await SimAsterisk.start({ username: 'agentgate', secret: 'registry-secret' });
});
after(async () => {
  await sim.close();
  await db.drop();
  scratch.remove();
});

const options = (secrets: Record<string, string>): PbxSetOptions => ({
  make: (a) => new AmiPbx({ ...a, timeoutMs: 500, logger: log, backoffMinMs: 20, backoffMaxMs: 100 }),
  fallback: { host: '127.0.0.1', port: sim.port, username: 'agentgate', secret: 'registry-secret' },
  secretOf: (name) => secrets[name],
  log,
});

test('without any pbxes row: exactly one PBX, default, from the AMI_* settings, holding every queue and extension', async () => {
  await applyProvision(db.knex, readProvisionFile(BASE_YAML), { prune: false, path: 'base.yaml' });
  const set = await PbxSet.open(db.knex, options({}));
  try {
    assert.deepEqual(set.names(), ['default']);
    assert.equal(set.isUp('default'), false, 'nothing connects before start');
    set.start();
    await until(() => set.isUp('default'), 'default connected');
    assert.deepEqual(set.health(), { default: 'up' });
    assert.deepEqual([set.queuePbx('support'), set.queuePbx('sales'), set.extenPbx('2001')], ['default', 'default', 'default']);
    assert.equal(set.ready('default'), set.get('default'));
  } finally {
    await set.close();
  }
});

test('with pbxes rows: one connection each, the secret from the variable its secret_env names, never logged; one unreachable is down', async () => {
  const yaml = `pbxes:
  - { name: a, ami: { host: 127.0.0.1, port: ${sim.port}, username: agentgate, secret_env: REG_A_SECRET } }
  - { name: b, ami: { host: 127.0.0.1, port: 1, username: agentgate, secret_env: REG_B_SECRET } }
queues:
  - { name: support, pbx: a }
  - { name: sales, pbx: b }
extensions:
  - { exten: "2001", pbx: a }
  - { exten: "2002", pbx: b }
`;
  await applyProvision(db.knex, readProvisionFile(scratch.file('two.yaml', yaml)), { prune: false, path: 'two.yaml' });
  const set = await PbxSet.open(db.knex, options({ REG_A_SECRET: 'registry-secret', REG_B_SECRET: 'never-shown-b' }));
  try {
    set.start();
    await until(() => set.isUp('a') && lines.some((l) => l.includes('"port":1')), 'a connected, b tried');
    assert.deepEqual(set.names(), ['a', 'b']);
    assert.deepEqual(set.health(), { a: 'up', b: 'down' });
    assert.deepEqual([set.queuePbx('support'), set.queuePbx('sales'), set.extenPbx('2002')], ['a', 'b', 'b']);
    assert.throws(() => set.ready('b'), (err: Error) => err.name === 'PbxUnavailable' && !(err as { uncertain?: boolean }).uncertain);
    assert.ok(set.anyUp());
    assert.ok(!lines.some((l) => l.includes('never-shown-b') || l.includes('registry-secret')), 'no secret in the log');
    const failed = lines.map((l) => JSON.parse(l) as { msg: string; fix?: string }).find((l) => l.msg.startsWith('ami connect failed:'));
    assert.equal(failed?.fix, 'check the ami.host and ami.port of PBX b (now 127.0.0.1:1) and manager.conf [general]: enabled = yes, port, bindaddr', 'the fix names the PBX’s own settings');
  } finally {
    await set.close();
  }
});

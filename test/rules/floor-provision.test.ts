import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ProvisionError, applyProvision, readProvisionFile } from '../../src/provision/apply.js';
import { type TestDb, freshDatabase } from '../support/db.js';
import { scratchFolder } from '../support/scratch.js';

// The provisioning of docs/pauses.md: `min_available` on queues, `approval` / `approval_timeout_s` on reasons.
let db: TestDb;
const scratch = scratchFolder('floor');
before(async () => {
  db = await freshDatabase();
});
after(async () => {
  await db.drop();
  scratch.remove();
});

const apply = (path: string) => applyProvision(db.knex, readProvisionFile(path), { prune: false, path });

test('a floor and reasons that need a yes are stored; without them nothing is held back', async () => {
  const path = scratch.file(
    'pauses.yaml',
    [
      'queues:',
      '  - { name: support, min_available: 2 }',
      '  - { name: sales }',
      'pause_reasons:',
      '  - { code: 1, name: Almoco }',
      '  - { code: 7, name: Medico, approval: true }',
      '  - { code: 8, name: Curso, approval: true, approval_timeout_s: 900 }',
      '',
    ].join('\n'),
  );
  await apply(path);
  assert.deepEqual(await db.knex('queues').select('name', 'min_available').orderBy('name'), [
    { name: 'sales', min_available: null },
    { name: 'support', min_available: 2 },
  ]);
  assert.deepEqual(await db.knex('pause_reasons').select('code', 'approval', 'approval_timeout_s').orderBy('code'), [
    { code: 1, approval: false, approval_timeout_s: 300 },
    { code: 7, approval: true, approval_timeout_s: 300 },
    { code: 8, approval: true, approval_timeout_s: 900 },
  ]);
  assert.deepEqual((await apply(path)).queues, { created: 0, updated: 0, unchanged: 2, removed: 0 }, 'the same file again changes nothing');
});

test('bad values are refused, each named, and nothing is applied', async () => {
  const path = scratch.file(
    'bad.yaml',
    ['queues:', '  - { name: support, min_available: -1 }', 'pause_reasons:', '  - { code: 9, name: X, approval: yes-please, approval_timeout_s: 0 }', ''].join('\n'),
  );
  let message = '';
  try {
    await apply(path);
  } catch (err) {
    assert.ok(err instanceof ProvisionError);
    message = err.message;
  }
  assert.deepEqual(message.split('\n'), [
    `${path}: queues[0] (name "support"), field "min_available": min_available must be a whole number of agents, 0 to 10000`,
    `${path}: pause_reasons[0] (code 9), field "approval": approval must be true or false`,
    `${path}: pause_reasons[0] (code 9), field "approval_timeout_s": approval_timeout_s must be a whole number of seconds, 1 to 86400`,
  ]);
  assert.equal(await db.knex('pause_reasons').where({ code: 9 }).first(), undefined);
});

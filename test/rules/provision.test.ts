import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ProvisionError, applyProvision, readProvisionFile } from '../../src/provision/apply.js';
import { type TestDb, freshDatabase } from '../support/db.js';
import { RULES_YAML } from '../support/paths.js';
import { scratchFolder } from '../support/scratch.js';

let db: TestDb;
const scratch = scratchFolder('rules');
const dir = scratch.dir;
const file = scratch.file;
before(async () => {
  db = await freshDatabase();
});
after(async () => {
  await db.drop();
  scratch.remove();
});

const apply = (path: string) => applyProvision(db.knex, readProvisionFile(path), { prune: false, path });
const reasons = () => db.knex('pause_reasons').select('code', 'name', 'max_minutes', 'productive', 'on_overrun').orderBy('code');

describe('pause rules in the provisioning file', () => {
  test('limits, productive and on_overrun are stored; a reason without them has no limit, is not productive and only alerts', async () => {
    await apply(RULES_YAML);
    assert.deepEqual(await reasons(), [
      { code: 1, name: 'Almoco', max_minutes: 60, productive: false, on_overrun: 'alert' },
      { code: 2, name: 'Banheiro', max_minutes: 10, productive: false, on_overrun: 'unpause' },
      { code: 3, name: 'Treinamento', max_minutes: null, productive: true, on_overrun: 'alert' },
      { code: 4, name: 'Feedback', max_minutes: 30, productive: true, on_overrun: 'alert' },
    ]);
    const again = await apply(RULES_YAML);
    assert.deepEqual(again.pause_reasons, { created: 0, updated: 0, unchanged: 4, removed: 0 });
  });

  test('a changed rule is updated, and one left out is cleared', async () => {
    const path = file('change.yaml', 'pause_reasons:\n  - { code: 1, name: Almoco, max_minutes: 45, on_overrun: unpause }\n  - { code: 2, name: Banheiro }\n');
    const report = await apply(path);
    assert.deepEqual(report.pause_reasons, { created: 0, updated: 2, unchanged: 0, removed: 0 });
    assert.deepEqual((await reasons()).slice(0, 2), [
      { code: 1, name: 'Almoco', max_minutes: 45, productive: false, on_overrun: 'unpause' },
      { code: 2, name: 'Banheiro', max_minutes: null, productive: false, on_overrun: 'alert' },
    ]);
  });

  test('bad values are refused, the whole file, each naming the file, the entry and the field', async () => {
    const before = await reasons();
    const path = file(
      'bad.yaml',
      [
        'queues:',
        '  - { name: newq }',
        'pause_reasons:',
        '  - { code: 1, name: Almoco, max_minutes: 0 }',
        '  - { code: 2, name: Banheiro, max_minutes: 1.5 }',
        '  - { code: 3, name: Cafe, max_minutes: "15" }',
        '  - { code: 4, name: Longo, max_minutes: 2000 }',
        '  - { code: 5, name: Curso, productive: yes }',
        '  - { code: 6, name: Reuniao, on_overrun: stop }',
        '  - { code: 7, name: Pausa, on_overrun: unpause }',
        '',
      ].join('\n'),
    );
    let message = '';
    try {
      await apply(path);
    } catch (err) {
      assert.ok(err instanceof ProvisionError);
      message = err.message;
    }
    const minutes = 'max_minutes must be a whole number of minutes, 1 to 1440';
    assert.deepEqual(message.split('\n'), [
      `${path}: pause_reasons[0] (code 1), field "max_minutes": ${minutes}`,
      `${path}: pause_reasons[1] (code 2), field "max_minutes": ${minutes}`,
      `${path}: pause_reasons[2] (code 3), field "max_minutes": ${minutes}`,
      `${path}: pause_reasons[3] (code 4), field "max_minutes": ${minutes}`,
      `${path}: pause_reasons[4] (code 5), field "productive": productive must be true or false`,
      `${path}: pause_reasons[5] (code 6), field "on_overrun": on_overrun must be alert or unpause`,
      `${path}: pause_reasons[6] (code 7), field "on_overrun": on_overrun: unpause needs max_minutes (the limit whose overrun ends the pause)`,
    ]);
    assert.deepEqual(await reasons(), before, 'nothing changed');
    assert.equal(await db.knex('queues').where({ name: 'newq' }).first(), undefined, 'not even the good entries');
  });

  test('the database refuses an unpause rule without a limit too', async () => {
    await assert.rejects(db.knex('pause_reasons').insert({ code: 9, name: 'X', on_overrun: 'unpause' }), /pause_reasons_unpause_needs_limit/);
    await assert.rejects(db.knex('pause_reasons').insert({ code: 9, name: 'X', max_minutes: 0 }), /check constraint/);
  });
});

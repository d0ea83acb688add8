import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEFAULT_SHIFT_RULES, readBreakReasons, readShiftRules } from '../../src/breaks/rules.js';
import { ProvisionError, applyProvision, formatReport, readProvisionFile } from '../../src/provision/apply.js';
import { type TestDb, freshDatabase } from '../support/db.js';
import { scratchFolder } from '../support/scratch.js';

// The provisioning of docs/pauses.md, "Breaks": `break:` on reasons, `shift_rules:` once.
let db: TestDb;
const scratch = scratchFolder('breaks');
before(async () => {
  db = await freshDatabase();
});
after(async () => {
  await db.drop();
  scratch.remove();
});

const apply = (path: string, prune = false) => applyProvision(db.knex, readProvisionFile(path), { prune, path });
const refusal = async (path: string) => {
  try {
    await apply(path);
  } catch (err) {
    assert.ok(err instanceof ProvisionError);
    return err.message.split('\n');
  }
  return ['accepted'];
};

test('without shift_rules the defaults of NR-17 Annex II apply; reasons marked break are the breaks', async () => {
  const path = scratch.file(
    'reasons.yaml',
    ['pause_reasons:', '  - { code: 1, name: Descanso, break: rest }', '  - { code: 2, name: Lanche, break: meal }', '  - { code: 3, name: Banheiro }', ''].join('\n'),
  );
  await apply(path);
  assert.deepEqual(await readShiftRules(db.knex), DEFAULT_SHIFT_RULES);
  assert.deepEqual(await readBreakReasons(db.knex), new Map([['descanso', 'rest'], ['lanche', 'meal']]));
});

test('shift_rules: what is given replaces its default, the rest keep theirs; the same file again changes nothing', async () => {
  const path = scratch.file('rules.yaml', ['shift_rules:', '  rest_minutes: 15', '  meal_minutes: 60', '  new_shift_after_minutes: 480', ''].join('\n'));
  const first = await apply(path);
  assert.deepEqual(first.shift_rules, { created: 1, updated: 0, unchanged: 0, removed: 0 });
  assert.match(formatReport(first), /^shift_rules: 1 created, 0 updated, 0 unchanged, 0 removed$/m);
  assert.deepEqual(await readShiftRules(db.knex), { ...DEFAULT_SHIFT_RULES, rest_minutes: 15, meal_minutes: 60, new_shift_after_minutes: 480 });
  assert.deepEqual((await apply(path)).shift_rules, { created: 0, updated: 0, unchanged: 1, removed: 0 });
  // a file without the section leaves them; with --prune it removes them
  const other = scratch.file('other.yaml', ['pause_reasons:', '  - { code: 1, name: Descanso, break: rest }', ''].join('\n'));
  await apply(other);
  assert.equal((await readShiftRules(db.knex)).rest_minutes, 15);
  assert.deepEqual((await apply(other, true)).shift_rules, { created: 0, updated: 0, unchanged: 0, removed: 1 });
  assert.deepEqual(await readShiftRules(db.knex), DEFAULT_SHIFT_RULES);
});

test('bad values are refused, each named, and nothing is applied', async () => {
  const path = scratch.file(
    'bad.yaml',
    [
      'pause_reasons:',
      '  - { code: 9, name: Cafe, break: coffee }',
      'shift_rules:',
      '  rest_minutes: -5',
      '  rest_breaks: 1',
      '  short_day_rest_breaks: 2',
      '  lunch_minutes: 30',
      '',
    ].join('\n'),
  );
  assert.deepEqual(await refusal(path), [
    `${path}: pause_reasons[0] (code 9), field "break": break must be rest or meal`,
    `${path}: shift_rules.rest_minutes: rest_minutes must be a whole number of minutes, 0 to 1440`,
    `${path}: shift_rules: Unrecognized key: "lunch_minutes"`,
    `${path}: shift_rules.short_day_rest_breaks: short_day_rest_breaks must not be more than rest_breaks`,
  ]);
  assert.equal(await db.knex('pause_reasons').where({ code: 9 }).first(), undefined);
  const uneven = scratch.file('uneven.yaml', ['shift_rules:', '  rest_breaks: 1', '  short_day_rest_breaks: 2', ''].join('\n'));
  assert.deepEqual(await refusal(uneven), [`${uneven}: shift_rules.short_day_rest_breaks: short_day_rest_breaks must not be more than rest_breaks`]);
});

import type { Knex } from 'knex';
import { fromJson } from '../db/json.js';
import type { Counts, ProvisionFile } from './schema.js';

/**
 * `shift_rules:` is one row. A file without it leaves what is stored (a file that only adds agents
 * does not reset the rules); with `--prune` it removes them, and the defaults apply again.
 */
export async function applyShiftRules(trx: Knex.Transaction, rules: ProvisionFile['shift_rules'], prune: boolean, counts: Counts): Promise<void> {
  const stored: { rules: unknown } | undefined = await trx('shift_rules').select('rules').first();
  if (rules === undefined) {
    if (prune && stored) {
      await trx('shift_rules').delete();
      counts.removed += 1;
    }
    return;
  }
  const before = stored ? fromJson<object>(stored.rules) : undefined;
  if (!before) {
    await trx('shift_rules').insert({ rules: JSON.stringify(rules) });
    counts.created += 1;
  } else if (JSON.stringify(sorted(before)) !== JSON.stringify(sorted(rules))) {
    await trx('shift_rules').update({ rules: JSON.stringify(rules), updated_at: trx.fn.now() });
    counts.updated += 1;
  } else {
    counts.unchanged += 1;
  }
}

const sorted = (o: object) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));

import type { Knex } from 'knex';
import type { Counts, ProvisionFile } from './schema.js';


/**
 * The file's webhooks, keyed by URL, inside the provisioning transaction. A changed secret or list of
 * events applies to what is sent from now on, deliveries already waiting included (they are signed
 * when sent). With `prune`, a webhook the file no longer lists is removed with its deliveries.
 */
export async function applyWebhooks(trx: Knex.Transaction, hooks: ProvisionFile['webhooks'], prune: boolean, counts: Counts): Promise<void> {
  for (const w of hooks) {
    const existing: { events: string[]; secret: string } | undefined = await trx('webhooks').where({ url: w.url }).first('events', 'secret');
    if (!existing) {
      await trx('webhooks').insert({ url: w.url, events: w.events, secret: w.secret });
      counts.created += 1;
    } else if (existing.secret !== w.secret || [...existing.events].sort().join(',') !== w.events.join(',')) {
      await trx('webhooks').where({ url: w.url }).update({ events: w.events, secret: w.secret, updated_at: trx.fn.now() });
      counts.updated += 1;
    } else {
      counts.unchanged += 1;
    }
  }
  if (prune) {
    const gone = await trx('webhooks').whereNotIn('url', hooks.map((w) => w.url)).delete('id');
    counts.removed = (gone as unknown[]).length;
  }
}

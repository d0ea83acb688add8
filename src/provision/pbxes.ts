import type { Knex } from 'knex';
import type { Counts, ProvisionFile } from './schema.js';

type Fail = (msg: string) => never;

/** The PBX a database without any `pbxes` row knows: the one the AMI_* variables describe. */
export const DEFAULT_PBX = 'default';

/**
 * The file's PBXs (CONTRACT §9), inside the provisioning transaction, and the PBX each queue and
 * extension of the file belongs to, written onto the entries. An entry without `pbx:` keeps the
 * PBX it has (while that one stays); a new one takes the file's only PBX, or the only one there is,
 * and is refused when there are several.
 */
export async function applyPbxes(trx: Knex.Transaction, file: ProvisionFile, prune: boolean, counts: Counts, fail: Fail): Promise<void> {
  for (const [i, p] of file.pbxes.entries()) {
    const row = { host: p.ami.host, port: p.ami.port, username: p.ami.username, secret_env: p.ami.secret_env, agi_from: p.agi_from, remote_interface: p.remote_interface ?? null };
    const existing = await trx('pbxes').where({ name: p.name }).first();
    if (existing && existing.remote_interface !== row.remote_interface) await refuseAcross(trx, i, p.name, fail);
    if (!existing) {
      await trx('pbxes').insert({ name: p.name, ...row });
      counts.created += 1;
    } else if (JSON.stringify(Object.keys(row).map((k) => existing[k])) !== JSON.stringify(Object.values(row))) {
      await trx('pbxes').where({ name: p.name }).update({ ...row, updated_at: trx.fn.now() });
      counts.updated += 1;
    } else counts.unchanged += 1;
  }
  const listed = new Set(file.pbxes.map((p) => p.name));
  const stored: string[] = await trx('pbxes').orderBy('name').pluck('name');
  const gone = prune && listed.size ? stored.filter((name) => !listed.has(name)) : [];
  for (const name of gone) {
    const rows: Array<{ agent: string }> = await trx('agent_sessions as s')
      .join('extensions as e', 'e.exten', 's.exten')
      .where('e.pbx', name)
      .select('s.agent')
      .union((u) => u.select('sq.agent').from('session_queues as sq').join('queues as q', 'q.name', 'sq.queue').where('q.pbx', name));
    const logged = rows.map((r) => r.agent);
    if (logged.length) fail(`--prune would remove PBX "${name}", where agents ${[...new Set(logged)].sort().map((a) => `"${a}"`).join(', ')} are logged in: log them off first`);
  }
  if (gone.length) counts.removed = (await trx('pbxes').whereIn('name', gone).delete('name')).length;
  const kept = prune && listed.size ? [...listed] : [...new Set([...stored, ...listed])];
  const known = kept.length ? kept : [DEFAULT_PBX];
  const place = async (section: 'queues' | 'extensions', table: string, key: string, entries: Array<{ pbx?: string | undefined }>, ids: string[]) => {
    const current = new Map<string, string>((await trx(table).whereIn(key, ids).select(key, 'pbx')).map((r: Record<string, string>) => [r[key] as string, r.pbx as string]));
    entries.forEach((e, i) => {
      const at = `${section}[${i}] (${key === 'name' ? 'name' : 'exten'} "${ids[i]}")`;
      if (e.pbx !== undefined && !known.includes(e.pbx)) fail(`${at}, field "pbx": PBX "${e.pbx}" is not provisioned (known: ${known.join(', ')})`);
      const stays = current.get(ids[i] as string);
      const only = listed.size === 1 ? [...listed][0] : known.length === 1 ? known[0] : undefined;
      const pbx = e.pbx ?? (stays !== undefined && known.includes(stays) ? stays : only);
      if (pbx === undefined) fail(`${at}: field "pbx" is needed, as there are several PBXs (${known.join(', ')})`);
      e.pbx = pbx;
    });
  };
  await place('queues', 'queues', 'name', file.queues, file.queues.map((q) => q.name));
  await place('extensions', 'extensions', 'exten', file.extensions, file.extensions.map((e) => e.exten));
  await refuseMovesWhileLoggedIn(trx, file, fail);
}

/** Moving a queue or an extension to another PBX while an agent is logged in on it would strand its member. */
async function refuseMovesWhileLoggedIn(trx: Knex.Transaction, file: ProvisionFile, fail: Fail): Promise<void> {
  for (const [i, q] of file.queues.entries()) {
    const row = await trx('queues').where({ name: q.name }).first('pbx');
    if (!row || row.pbx === q.pbx) continue;
    const agents: string[] = await trx('session_queues').where({ queue: q.name }).orderBy('agent').pluck('agent');
    if (agents.length) fail(`queues[${i}] (name "${q.name}"), field "pbx": moving it from PBX "${row.pbx}" to "${q.pbx}" while agents ${agents.map((a) => `"${a}"`).join(', ')} are logged in: log them off first`);
  }
  for (const [i, e] of file.extensions.entries()) {
    const row = await trx('extensions').where({ exten: e.exten }).first('pbx');
    if (!row || row.pbx === e.pbx) continue;
    const agent: string | undefined = (await trx('agent_sessions').where({ exten: e.exten }).first('agent'))?.agent;
    if (agent) fail(`extensions[${i}] (exten "${e.exten}"), field "pbx": moving it from PBX "${row.pbx}" to "${e.pbx}" while agent "${agent}" is logged in on it: log it off first`);
  }
}

/**
 * The members across PBXs have the interface `remote_interface` made (CONTRACT §9): changing it
 * while any is logged in would leave them under a name agentgate no longer looks for.
 */
async function refuseAcross(trx: Knex.Transaction, i: number, pbx: string, fail: Fail): Promise<void> {
  const agents: string[] = await trx('agent_sessions as s')
    .join('extensions as e', 'e.exten', 's.exten')
    .join('session_queues as sq', 'sq.agent', 's.agent')
    .join('queues as q', 'q.name', 'sq.queue')
    .where('e.pbx', pbx)
    .whereNot('q.pbx', pbx)
    .distinct('s.agent')
    .orderBy('s.agent')
    .pluck('s.agent');
  if (agents.length) fail(`pbxes[${i}] (name "${pbx}"), field "remote_interface": changing it while agents ${agents.map((a) => `"${a}"`).join(', ')} are logged in to other PBXs' queues through it: log them off first`);
}

import { type PbxRow, readPbxRows } from '../ami/pbxes.js';
import type { Config } from '../config.js';
import { openDatabase } from '../db/connect.js';
import type { AsteriskInventory } from '../provision/import.js';
import { type Finding, fail, ok, warn } from './report.js';

/** What provisioning holds that a PBX must have: the PBXs, and the call-center queues and extensions on each. */
export interface Provisioned {
  pbxes: PbxRow[];
  queues: Array<{ name: string; pbx: string }>;
  extensions: Array<{ exten: string; pbx: string; interface: string | null }>;
}

/** Read from a database `checkDatabase` found reachable and migrated. */
export async function readProvisioned(config: Pick<Config, 'DATABASE_URL' | 'DATA_DIR'>): Promise<Provisioned> {
  const db = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR });
  try {
    return {
      pbxes: await readPbxRows(db.knex),
      queues: await db.knex('queues').where({ callcenter: true }).orderBy('name').select('name', 'pbx'),
      extensions: await db.knex('extensions').where({ callcenter: true }).orderBy('exten').select('exten', 'pbx', 'interface'),
    };
  } finally {
    await db.close();
  }
}

const list = (names: string[]) => (names.length > 5 ? `${names.slice(0, 5).join(', ')}, …` : names.join(', '));

/**
 * The call-center queues and extensions provisioning puts on this PBX, against what it has: a
 * queue it lacks fails (a login to it would be refused); an extension whose member interface is a
 * PJSIP endpoint it does not list is a warning (a realtime endpoint may not be listed).
 */
export function checkProvisioned(inv: AsteriskInventory, pbx: string, provisioned: Provisioned, memberInterface: string): Finding[] {
  const queues = provisioned.queues.filter((q) => q.pbx === pbx).map((q) => q.name);
  const missing = queues.filter((q) => !inv.queues.includes(q));
  const out: Finding[] = [];
  if (queues.length === 0) out.push(ok('queues', 'none provisioned on this PBX'));
  else if (missing.length === 0) out.push(ok('queues', `${queues.length} provisioned on this PBX, all there (${list(queues)})`));
  else {
    out.push(
      fail(
        'queues',
        `${missing.length} of ${queues.length} provisioned on this PBX ${missing.length === 1 ? 'is' : 'are'} not in its Asterisk: ${list(missing)}`,
        "create them in queues.conf of this PBX (then asterisk -rx 'queue reload all'), or give them the pbx: of the PBX that has them in the provisioning file",
      ),
    );
  }

  const extensions = provisioned.extensions.filter((e) => e.pbx === pbx);
  if (extensions.length === 0) return [...out, ok('extensions', 'none provisioned on this PBX')];
  // only a member interface that is a PJSIP endpoint can be looked up
  const endpointOf = (e: Provisioned['extensions'][number]) => /^PJSIP\/([^/@]+)$/.exec(e.interface ?? memberInterface.replace('{exten}', e.exten))?.[1];
  const checkable = extensions.filter((e) => endpointOf(e) !== undefined);
  if (checkable.length === 0) return [...out, ok('extensions', `${extensions.length} provisioned on this PBX, none a PJSIP endpoint to look up`)];
  if (inv.endpointsRefused) {
    return [...out, warn('extensions', `cannot look: ${inv.endpointsRefused}`, "look yourself: asterisk -rx 'pjsip show endpoints' on this PBX, or add system to write = for this check")];
  }
  const absent = checkable.filter((e) => !inv.endpoints.includes(endpointOf(e) as string)).map((e) => e.exten);
  if (absent.length === 0) return [...out, ok('extensions', `${checkable.length} provisioned on this PBX, each with its PJSIP endpoint there`)];
  return [
    ...out,
    warn(
      'extensions',
      `${absent.length} of ${checkable.length} provisioned on this PBX ${absent.length === 1 ? 'has' : 'have'} no PJSIP endpoint in its Asterisk: ${list(absent)}`,
      "add the endpoints to pjsip.conf of this PBX (then asterisk -rx 'pjsip reload'), or give the extensions the pbx: of the PBX their phones are on",
    ),
  ];
}

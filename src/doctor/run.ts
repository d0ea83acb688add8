import type { PbxRow } from '../ami/pbxes.js';
import { AmiSession } from '../ami/session.js';
import { type PbxTarget, envTarget, openTarget, provisionedTarget } from '../ami/targets.js';
import type { Config } from '../config.js';
import { readInventory } from '../provision/import.js';
import { checkDatabase, checkPrompts } from './local.js';
import { addressOf, checkAgiFrom, checkDialplan, checkFastAgi, checkWriteClasses, loopback } from './pbx.js';
import { type Provisioned, checkProvisioned, readProvisioned } from './provisioned.js';
import { type Finding, fail, ok, skip } from './report.js';

export interface DoctorOptions {
  /** Asterisk's sounds folder, when it is on this machine (default /var/lib/asterisk/sounds if Asterisk is local). */
  sounds?: string | undefined;
}

/**
 * `agentgate doctor`: each thing a working install needs, checked the way the service uses it,
 * in the order a newcomer sets them up. Nothing is changed anywhere. Each PBX provisioned in the
 * database (`pbxes`) is checked over its own AMI, its lines under its name; without any, the one
 * PBX of AMI_*, as the service does.
 */
export async function runDoctor(config: Config, opts: DoctorOptions = {}): Promise<Finding[]> {
  const database = await checkDatabase(config);
  const provisioned = database.status === 'ok' ? await readProvisioned(config) : undefined;
  const rows = provisioned?.pbxes ?? [];
  const pbxes = rows.length
    ? rows.map((row) => ({ row, target: provisionedTarget({ name: row.name, host: row.host, port: row.port, username: row.username, secretEnv: row.secret_env }, config.secretOf) }))
    : [{ row: undefined, target: envTarget(config) }];
  const local = await Promise.all(pbxes.map((p) => addressOf(p.target.host).then(loopback)));
  // every PBX at once: one that is down or slow holds up only its own lines
  const each = await Promise.all(
    pbxes.map((p, i) => checkPbx(config, p.target, p.row, provisioned, { several: rows.length > 1, remoteSounds: !local[i] && opts.sounds === undefined })),
  );
  const findings = [database, ...each.flat()];
  if (rows.length === 0) findings.push(...checkPrompts(opts.sounds, local[0] ?? false, `${config.AMI_HOST} (AMI_HOST)`));
  else if (opts.sounds !== undefined || local.some(Boolean)) findings.push(...checkPrompts(opts.sounds, true, ''));
  return findings;
}

/** One PBX's lines: its login, classes, dialplan, provisioned queues and extensions, FastAGI and, when provisioned, its entry. */
async function checkPbx(
  config: Config,
  target: PbxTarget,
  row: PbxRow | undefined,
  provisioned: Provisioned | undefined,
  o: { several: boolean; remoteSounds: boolean },
): Promise<Finding[]> {
  const out: Finding[] = [];
  const session = await openTarget(target, config.AMI_TIMEOUT_MS);
  const ami = session instanceof AmiSession ? session : undefined;
  if (session instanceof AmiSession) out.push(ok('AMI login', `${target.username} at ${target.host}:${target.port}`));
  else out.push(fail('AMI login', session.problem, session.fix));
  try {
    if (ami) out.push(await checkWriteClasses(ami, target.username), await checkDialplan(ami));
    else out.push(skip('AMI write classes', 'needs the AMI login'), skip('dialplan', 'needs the AMI login'));
    if (!provisioned) out.push(skip('queues and extensions', 'needs the database'));
    else if (!ami) out.push(skip('queues and extensions', 'needs the AMI login'));
    else out.push(...checkProvisioned(await readInventory(ami), target.name, provisioned, config.MEMBER_INTERFACE));
    out.push(...(await checkFastAgi(ami, config, { host: target.host, setting: target.names.host, agiFrom: row?.agi_from })));
  } finally {
    await ami?.close();
  }
  if (!row) return out;
  out.push(checkAgiFrom(config.AGI_ALLOW, row.name, row.agi_from, o.several));
  if (o.remoteSounds) out.push(...checkPrompts(undefined, false, `${target.host} (${target.names.host})`));
  return out.map((f) => ({ ...f, pbx: row.name }));
}

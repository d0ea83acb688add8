import { existsSync, writeFileSync } from 'node:fs';
import type { AmiMessage } from '../ami/framer.js';
import { AmiSession } from '../ami/session.js';
import { RemoteInterfaces } from '../ami/remote.js';
import { envTarget, openTarget, provisionedTarget } from '../ami/targets.js';
import type { Config } from '../config.js';
import { NAME_PATTERN, type ProvisionFile } from './schema.js';

/** What Asterisk holds that provisioning needs: queues, PJSIP endpoints, the members there now. */
export interface AsteriskInventory {
  queues: string[];
  endpoints: string[];
  /** Why the endpoints could not be listed (Asterisk's answer to PJSIPShowEndpoints), when it refused. */
  endpointsRefused?: string | undefined;
  members: Array<{ queue: string; interface: string; memberName: string; stateInterface: string; dynamic: boolean }>;
}

/** QueueSummary for the queues, QueueStatus for their members, PJSIPShowEndpoints for the phones. */
export async function readInventory(ami: AmiSession): Promise<AsteriskInventory> {
  const summary = await ami.list({ Action: 'QueueSummary' }, 'QueueSummaryComplete');
  const status = await ami.list({ Action: 'QueueStatus' }, 'QueueStatusComplete');
  const pjsip = await ami.list({ Action: 'PJSIPShowEndpoints' }, 'EndpointListComplete');
  // "No endpoints found" is an answer (no PJSIP phones); "Permission denied" is not
  const refused = pjsip.response.Response === 'Error' && !/No endpoints found/.test(pjsip.response.Message ?? '');
  const names = (events: AmiMessage[], event: string) => events.filter((e) => e.Event === event).map((e) => e.Queue ?? '');
  return {
    queues: [...new Set([...names(summary.events, 'QueueSummary'), ...names(status.events, 'QueueParams')])].filter((q) => q !== ''),
    endpoints: pjsip.events.filter((e) => e.Event === 'EndpointList').map((e) => e.ObjectName ?? ''),
    endpointsRefused: refused ? `Asterisk refused PJSIPShowEndpoints: ${pjsip.response.Message?.trim()} (it needs write = system in manager.conf)` : undefined,
    members: status.events
      .filter((e) => e.Event === 'QueueMember')
      .map((e) => ({
        queue: e.Queue ?? '',
        interface: e.Location ?? e.Interface ?? '',
        memberName: e.Name ?? e.MemberName ?? '',
        stateInterface: e.StateInterface ?? '',
        dynamic: e.Membership === 'dynamic',
      })),
  };
}

const IFACE = /^[A-Za-z0-9]+\/[^\s,|]{1,120}$/;
const q = (s: string) => JSON.stringify(s);

/** One PBX's inventory; `pbx` (the name its entries carry) only when the PBXs are provisioned ones. */
export interface PbxInventory {
  pbx?: string | undefined;
  inv: AsteriskInventory;
}

/** The `pbxes:` section, as read: where each PBX is and the variable its secret is in, never a secret. */
function pbxesLines(pbxes: ProvisionFile['pbxes']): string[] {
  return [
    'pbxes:',
    ...pbxes.flatMap((p) => [
      `  - name: ${q(p.name)}`,
      `    ami: { host: ${q(p.ami.host)}, port: ${p.ami.port}, username: ${q(p.ami.username)}, secret_env: ${q(p.ami.secret_env)} }`,
      p.agi_from.length
        ? `    agi_from: [${p.agi_from.map(q).join(', ')}]`
        : '    # agi_from: the addresses its FastAGI sessions come from, e.g. ["10.0.1.10/32"]; needed with several PBXs',
      ...(p.remote_interface === undefined ? [] : [`    remote_interface: ${q(p.remote_interface)}`]),
    ]),
  ];
}

/**
 * The provisioning file for what Asterisk holds, to review before `agentgate provision`. A value
 * Asterisk does not hold (is this queue a call-center queue? which login is this member?) is
 * still written, so the file provisions as it is, with a `# guess:` comment saying what to check.
 * With provisioned PBXs (`pbxes`), the file starts with them and every queue and extension names
 * its `pbx:`; a queue or extension found on two PBXs is refused, as provisioning would refuse it.
 */
export function inventoryYaml(all: readonly PbxInventory[], opts: { memberInterface: string; source: string; pbxes?: ProvisionFile['pbxes'] }): string {
  const out = [
    `# Read from Asterisk at ${opts.source}. Review it, then: agentgate provision FILE`,
    '# Every "# guess:" is a value Asterisk does not hold: check each one.',
    ...(opts.pbxes?.length ? pbxesLines(opts.pbxes) : []),
  ];
  const remote = new RemoteInterfaces((opts.pbxes ?? []).map((p) => ({ name: p.name, remote_interface: p.remote_interface ?? null })));
  const queueOf = new Map<string, string | undefined>();
  const extenOf = new Map<string, string | undefined>();
  const repeated: string[] = [];
  const taken = (kind: string, seen: Map<string, string | undefined>, key: string, pbx: string | undefined) => {
    if (!seen.has(key)) return void seen.set(key, pbx);
    if (seen.get(key) !== pbx) repeated.push(`${kind} ${q(key)} is on PBX ${seen.get(key)} and on PBX ${pbx}`);
  };
  const queueLines: string[] = [];
  const extLines: string[] = [];
  const skipped: string[] = [];
  const agents = new Map<string, { name: string; queues: string[]; where: string; byExten: boolean }>();
  for (const { pbx, inv } of all) {
    const on = pbx === undefined ? [] : [`    pbx: ${q(pbx)}`];
    const at = (iface: string) => (pbx === undefined ? iface : `${iface} (PBX ${pbx})`);
    const leftOut = (line: string) => skipped.push(pbx === undefined ? line : line.replace(/^# /, `# PBX ${pbx}: `));
    for (const name of inv.queues) {
      taken('queue', queueOf, name, pbx);
      queueLines.push(`  - name: ${q(name)}`, ...on, '    callcenter: true  # guess: every queue is taken as a call-center queue; false keeps agents out');
      queueLines.push('    # number: the digits dialled after *50 to pick this queue; Asterisk does not know it');
    }

    // exten -> its lines; the interface and state interface a member shows win over the endpoint's
    const exts = new Map<string, { head: string[]; iface?: string; state?: string[] }>();
    const extOf = new Map<string, string>();
    for (const e of inv.endpoints) {
      if (!/^[0-9]{1,20}$/.test(e)) {
        leftOut(`# PJSIP endpoint ${q(e)} left out: an extension is digits only`);
        continue;
      }
      exts.set(e, { head: [`  - exten: ${q(e)}`, ...on, '    callcenter: true  # guess: every PJSIP endpoint is taken as an agent phone'] });
      extOf.set(`PJSIP/${e}`, e);
    }
    for (const m of inv.members) {
      if (extOf.has(m.interface)) continue;
      // a member across PBXs (another PBX's remote_interface): that PBX's extension, not one of this PBX's
      const across = pbx === undefined ? undefined : remote.extenIn(m.interface, pbx, () => true);
      if (across !== undefined) {
        extOf.set(m.interface, across);
        continue;
      }
      const digits = /[0-9]{2,20}/.exec(m.interface.split('/')[1] ?? '')?.[0];
      if (!digits || !IFACE.test(m.interface)) {
        leftOut(`# member ${q(m.interface)} in ${m.queue}: no extension number in its interface, left out`);
        continue;
      }
      extOf.set(m.interface, digits);
      const ext = exts.get(digits) ?? {
        head: [`  - exten: ${q(digits)}  # guess: the number in the member's interface`, ...on, '    callcenter: true  # guess: a member now, so an agent phone'],
      };
      if (ext.iface) continue;
      ext.iface = `    interface: ${q(m.interface)}  # the member's interface in ${m.queue}`;
      if (m.stateInterface && m.stateInterface !== m.interface) {
        ext.state = IFACE.test(m.stateInterface)
          ? [`    state_interface: ${q(m.stateInterface)}`]
          : [`    # state interface ${q(m.stateInterface)} is not TECH/resource: set state_interface to the phone's device`];
      }
      exts.set(digits, ext);
    }
    for (const [e, x] of exts) {
      taken('extension', extenOf, e, pbx);
      const iface = x.iface ?? (opts.memberInterface.replace('{exten}', e) === `PJSIP/${e}` ? undefined : `    interface: "PJSIP/${e}"  # the endpoint (MEMBER_INTERFACE says otherwise)`);
      extLines.push(...x.head, ...(iface ? [iface] : []), ...(x.state ?? []));
    }

    for (const m of inv.members) {
      const exten = extOf.get(m.interface);
      const login = NAME_PATTERN.test(m.memberName) ? m.memberName : exten;
      if (!login) {
        leftOut(`# member ${q(m.memberName)} on ${m.interface}: no login to give it, left out`);
        continue;
      }
      const a = agents.get(login) ?? { name: m.memberName || login, queues: [], where: at(m.interface), byExten: login !== m.memberName };
      if (!a.queues.includes(m.queue)) a.queues.push(m.queue);
      agents.set(login, a);
    }
  }
  if (repeated.length) {
    throw new ImportError(
      `queue names and extensions are unique across PBXs (provisioning refuses a file that repeats one), but:\n${repeated.map((r) => `  ${r}`).join('\n')}\n` +
        'rename one of each on its Asterisk, or import those PBXs apart and keep one of each by hand',
    );
  }
  out.push(queueLines.length ? 'queues:' : 'queues: []', ...queueLines);
  out.push(extLines.length ? 'extensions:' : 'extensions: []', ...extLines);
  out.push(agents.size ? 'agents:' : 'agents: []');
  for (const [login, a] of agents) {
    const why = a.byExten ? `the member ${q(a.name)} on ${a.where} has no login-like name: its extension's number` : `the member name on ${a.where}`;
    out.push(`  - agent: ${q(login)}  # guess: ${why}`);
    out.push(`    name: ${q(a.name.replace(/\|/g, ' ').slice(0, 80))}  # guess: the member name; the name people read`);
    out.push(`    queues: [${a.queues.map(q).join(', ')}]  # guess: the queues it is in now, as the ones its phone login joins`);
    out.push('    # pin: 4 to 12 digits asked at the phone login; none is set');
  }
  out.push(...skipped);
  return `${out.join('\n')}\n`;
}

export class ImportError extends Error {}

const exists = (file: string) => new ImportError(`${file} exists and is not overwritten: give another --write file, or remove it first`);

/**
 * `agentgate provision --from-asterisk [--pbxes FILE] [--write FILE]`: the YAML, printed or written
 * to a new file. Without `pbxes`, the one PBX of AMI_*; with them (the `pbxes:` of a provisioning
 * file), each over its own AMI, every one of them logged in to before anything is written.
 */
export async function importFromAsterisk(
  config: Pick<Config, 'AMI_HOST' | 'AMI_PORT' | 'AMI_USERNAME' | 'AMI_SECRET' | 'AMI_TIMEOUT_MS' | 'MEMBER_INTERFACE' | 'secretOf'>,
  write: string | undefined,
  pbxes: ProvisionFile['pbxes'] = [],
): Promise<string> {
  // refused before Asterisk is asked anything: a file that is there stays as it is
  if (write !== undefined && existsSync(write)) throw exists(write);
  const several = pbxes.length > 0;
  const targets = several
    ? pbxes.map((p) => provisionedTarget({ name: p.name, host: p.ami.host, port: p.ami.port, username: p.ami.username, secretEnv: p.ami.secret_env }, config.secretOf))
    : [envTarget(config)];
  const sessions = await Promise.all(targets.map((t) => openTarget(t, config.AMI_TIMEOUT_MS)));
  let yaml: string;
  try {
    const problems = sessions.flatMap((s, i) => (s instanceof AmiSession ? [] : [`${several ? `PBX ${targets[i]?.name}: ` : ''}${s.problem}: ${s.fix}`]));
    if (problems.length) throw new ImportError(problems.join('\n'));
    const all: PbxInventory[] = [];
    for (const [i, s] of sessions.entries()) {
      const inv = await readInventory(s as AmiSession);
      if (inv.endpointsRefused) throw new Error(`${several ? `PBX ${targets[i]?.name}: ` : ''}${inv.endpointsRefused}`);
      all.push({ pbx: several ? targets[i]?.name : undefined, inv });
    }
    const source = several ? targets.map((t) => `${t.name} (${t.host}:${t.port})`).join(', ') : `${config.AMI_HOST}:${config.AMI_PORT}`;
    yaml = inventoryYaml(all, { memberInterface: config.MEMBER_INTERFACE, source, pbxes });
  } finally {
    await Promise.all(sessions.map((s) => (s instanceof AmiSession ? s.close() : undefined)));
  }
  if (write === undefined) return yaml;
  try {
    writeFileSync(write, yaml, { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw exists(write);
    throw err;
  }
  return `wrote ${write}: review every "# guess:" line, then: agentgate provision ${write}\n`;
}

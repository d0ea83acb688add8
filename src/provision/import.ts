import { existsSync, writeFileSync } from 'node:fs';
import { amiLoginAdvice } from '../ami/advice.js';
import type { AmiMessage } from '../ami/framer.js';
import { AmiSession, AmiSessionError } from '../ami/session.js';
import type { Config } from '../config.js';
import { NAME_PATTERN } from './schema.js';

/** What Asterisk holds that provisioning needs: queues, PJSIP endpoints, the members there now. */
export interface AsteriskInventory {
  queues: string[];
  endpoints: string[];
  members: Array<{ queue: string; interface: string; memberName: string; stateInterface: string; dynamic: boolean }>;
}

/** QueueSummary for the queues, QueueStatus for their members, PJSIPShowEndpoints for the phones. */
export async function readInventory(ami: AmiSession): Promise<AsteriskInventory> {
  const summary = await ami.list({ Action: 'QueueSummary' }, 'QueueSummaryComplete');
  const status = await ami.list({ Action: 'QueueStatus' }, 'QueueStatusComplete');
  const pjsip = await ami.list({ Action: 'PJSIPShowEndpoints' }, 'EndpointListComplete');
  // "No endpoints found" is an answer (no PJSIP phones); "Permission denied" is not
  if (pjsip.response.Response === 'Error' && !/No endpoints found/.test(pjsip.response.Message ?? '')) {
    throw new Error(`Asterisk refused PJSIPShowEndpoints: ${pjsip.response.Message?.trim()} (it needs write = system in manager.conf)`);
  }
  const names = (events: AmiMessage[], event: string) => events.filter((e) => e.Event === event).map((e) => e.Queue ?? '');
  return {
    queues: [...new Set([...names(summary.events, 'QueueSummary'), ...names(status.events, 'QueueParams')])].filter((q) => q !== ''),
    endpoints: pjsip.events.filter((e) => e.Event === 'EndpointList').map((e) => e.ObjectName ?? ''),
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

/**
 * The provisioning file for what Asterisk holds, to review before `agentgate provision`. A value
 * Asterisk does not hold (is this queue a call-center queue? which login is this member?) is
 * still written, so the file provisions as it is, with a `# guess:` comment saying what to check.
 */
export function inventoryYaml(inv: AsteriskInventory, opts: { memberInterface: string; source: string }): string {
  const out = [
    `# Read from Asterisk at ${opts.source}. Review it, then: agentgate provision FILE`,
    '# Every "# guess:" is a value Asterisk does not hold: check each one.',
  ];
  out.push(inv.queues.length ? 'queues:' : 'queues: []');
  for (const name of inv.queues) {
    out.push(`  - name: ${q(name)}`, '    callcenter: true  # guess: every queue is taken as a call-center queue; false keeps agents out');
    out.push('    # number: the digits dialled after *50 to pick this queue; Asterisk does not know it');
  }

  // exten -> its lines; the interface and state interface a member shows win over the endpoint's
  const exts = new Map<string, { head: string[]; iface?: string; state?: string[] }>();
  const extOf = new Map<string, string>();
  const skipped: string[] = [];
  for (const e of inv.endpoints) {
    if (!/^[0-9]{1,20}$/.test(e)) {
      skipped.push(`# PJSIP endpoint ${q(e)} left out: an extension is digits only`);
      continue;
    }
    exts.set(e, { head: [`  - exten: ${q(e)}`, '    callcenter: true  # guess: every PJSIP endpoint is taken as an agent phone'] });
    extOf.set(`PJSIP/${e}`, e);
  }
  for (const m of inv.members) {
    if (extOf.has(m.interface)) continue;
    const digits = /[0-9]{2,20}/.exec(m.interface.split('/')[1] ?? '')?.[0];
    if (!digits || !IFACE.test(m.interface)) {
      skipped.push(`# member ${q(m.interface)} in ${m.queue}: no extension number in its interface, left out`);
      continue;
    }
    extOf.set(m.interface, digits);
    const ext = exts.get(digits) ?? {
      head: [`  - exten: ${q(digits)}  # guess: the number in the member's interface`, '    callcenter: true  # guess: a member now, so an agent phone'],
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
  const extLines = [...exts].flatMap(([e, x]) => {
    const iface = x.iface ?? (opts.memberInterface.replace('{exten}', e) === `PJSIP/${e}` ? undefined : `    interface: "PJSIP/${e}"  # the endpoint (MEMBER_INTERFACE says otherwise)`);
    return [...x.head, ...(iface ? [iface] : []), ...(x.state ?? [])];
  });
  out.push(exts.size ? 'extensions:' : 'extensions: []', ...extLines);

  const agents = new Map<string, { name: string; queues: string[]; where: string; byExten: boolean }>();
  for (const m of inv.members) {
    const exten = extOf.get(m.interface);
    const login = NAME_PATTERN.test(m.memberName) ? m.memberName : exten;
    if (!login) {
      skipped.push(`# member ${q(m.memberName)} on ${m.interface}: no login to give it, left out`);
      continue;
    }
    const a = agents.get(login) ?? { name: m.memberName || login, queues: [], where: m.interface, byExten: login !== m.memberName };
    if (!a.queues.includes(m.queue)) a.queues.push(m.queue);
    agents.set(login, a);
  }
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

/** `agentgate provision --from-asterisk [--write FILE]`: the YAML, printed or written to a new file. */
export async function importFromAsterisk(
  config: Pick<Config, 'AMI_HOST' | 'AMI_PORT' | 'AMI_USERNAME' | 'AMI_SECRET' | 'AMI_TIMEOUT_MS' | 'MEMBER_INTERFACE'>,
  write: string | undefined,
): Promise<string> {
  // refused before Asterisk is asked anything: a file that is there stays as it is
  if (write !== undefined && existsSync(write)) throw exists(write);
  const target = { host: config.AMI_HOST, port: config.AMI_PORT, username: config.AMI_USERNAME };
  let ami: AmiSession;
  try {
    ami = await AmiSession.open({ ...target, secret: config.AMI_SECRET, timeoutMs: config.AMI_TIMEOUT_MS });
  } catch (err) {
    if (!(err instanceof AmiSessionError)) throw err;
    throw new ImportError(`${err.message}: ${amiLoginAdvice(err.kind, target)}`);
  }
  let yaml: string;
  try {
    const inv = await readInventory(ami);
    yaml = inventoryYaml(inv, { memberInterface: config.MEMBER_INTERFACE, source: `${config.AMI_HOST}:${config.AMI_PORT}` });
  } finally {
    await ami.close();
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

import { lookup } from 'node:dns/promises';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import type { AmiSession } from '../ami/session.js';
import { type Config, isAllowed } from '../config.js';
import { type Finding, fail, ok, warn } from './report.js';

const DENIED = 'Permission denied';

/**
 * The `write =` classes agentgate's actions need (registered so in app_queue.c and manager.c), each
 * probed with an action that changes nothing: manager.c answers `Permission denied` before it
 * even reads the headers, and the action's own complaint about what is missing otherwise.
 */
const CLASSES = [
  { name: 'agent', needs: 'logging agents in and out and pausing (QueueAdd, QueueRemove, QueuePause)', probe: { Action: 'QueuePause' } },
  { name: 'call', needs: 'the phone lamps (Setvar and Getvar of DEVICE_STATE)', probe: { Action: 'Setvar' } },
  { name: 'reporting', needs: 'who is on a call (CoreShowChannels)', probe: { Action: 'CoreShowChannels' }, list: 'CoreShowChannelsComplete' },
] as const;

export async function checkWriteClasses(ami: AmiSession, username: string): Promise<Finding> {
  const missing: string[] = [];
  for (const c of CLASSES) {
    const answer = 'list' in c ? (await ami.list(c.probe, c.list)).response : await ami.action(c.probe);
    if (answer.Message === DENIED) missing.push(c.name);
  }
  const what = 'AMI write classes';
  if (missing.length === 0) return ok(what, CLASSES.map((c) => c.name).join(', '));
  const why = CLASSES.filter((c) => missing.includes(c.name)).map((c) => `${c.name} (${c.needs})`);
  return fail(what, `missing ${why.join('; ')}`, `in manager.conf [${username}]: write = agent,call,reporting, then asterisk -rx 'manager reload'`);
}

/** The feature codes of the shipped dialplan (dialplan/agentgate.conf), and the lamps' hint. */
const CODES = ['*50', '*51', '*52', '*53', '*54', '*55', '_*55X.'];
const CONTEXT = 'agentgate-features';
const INSTALL = `copy dialplan/agentgate.conf to /etc/asterisk/, add "#include agentgate.conf" at the end of extensions.conf and "include => ${CONTEXT}" to your phones' context, then asterisk -rx 'dialplan reload' (dialplan/README.md)`;

export async function checkDialplan(ami: AmiSession): Promise<Finding> {
  const what = 'dialplan';
  const answer = await ami.action({ Action: 'Command', Command: `dialplan show ${CONTEXT}` });
  if (answer.Message === DENIED) {
    return warn(what, 'cannot look: the Command action needs write = command (agentgate itself does not)', `look yourself: asterisk -rx 'dialplan show ${CONTEXT}', or add command to write = for this check`);
  }
  const output = answer.Output ?? '';
  if (answer.Response === 'Error' || /There is no existence of/.test(output)) return fail(what, `the context ${CONTEXT} is not loaded`, INSTALL);
  const present = new Set([...output.matchAll(/^\s*'([^']+)' =>/gm)].map((m) => m[1]));
  const missing = CODES.filter((c) => !present.has(c));
  if (missing.length) return fail(what, `${CONTEXT} lacks ${missing.join(', ')}`, `an older copy of the dialplan is loaded: ${INSTALL}`);
  return ok(what, `${CONTEXT} has ${CODES.slice(0, -1).join(', ')} and the lamp hint`);
}

export const loopback = (address: string) => /^127\./.test(address) || address === '::1' || address === 'localhost';

export async function addressOf(host: string): Promise<string> {
  return net.isIP(host) ? host : (await lookup(host).catch(() => ({ address: host }))).address;
}

/** Where a PBX is, as a FastAGI check needs it: its AMI host, the setting naming it, its `agi_from` (a provisioned PBX). */
export interface AgiPeer {
  host: string;
  /** `AMI_HOST`, or `the ami.host of PBX b`. */
  setting: string;
  agiFrom?: readonly string[] | undefined;
}

/**
 * FastAGI where Asterisk can reach it: AGI_HOST not loopback when Asterisk is elsewhere, AGI_ALLOW
 * letting in the address Asterisk connects from (its `agi_from` when provisioned, checked by
 * `checkAgiFrom`; else taken as its AMI host's), the dialplan's AGENTGATE_AGI pointing at
 * AGI_HOST:AGI_PORT, and something listening there now.
 */
export async function checkFastAgi(ami: AmiSession | undefined, config: Pick<Config, 'AGI_HOST' | 'AGI_PORT' | 'AGI_ALLOW'>, at: AgiPeer): Promise<Finding[]> {
  const what = 'FastAGI';
  const pbx = await addressOf(at.host);
  const local = loopback(pbx);
  const out: Finding[] = [];
  if (!local && loopback(await addressOf(config.AGI_HOST))) {
    out.push(fail(what, `AGI_HOST=${config.AGI_HOST} listens on loopback, which Asterisk at ${at.host} cannot reach`, "set AGI_HOST to this machine's address that Asterisk reaches (or 0.0.0.0)"));
  }
  const peer = local ? '127.0.0.1' : pbx;
  if (!at.agiFrom?.length && !isAllowed(config.AGI_ALLOW, peer)) {
    out.push(fail(what, `AGI_ALLOW does not let in ${peer}, where Asterisk is (${at.setting})`, `add ${peer}${net.isIPv6(peer) ? '/128' : '/32'} to AGI_ALLOW`));
  }
  const global = ami ? await ami.action({ Action: 'Getvar', Variable: 'AGENTGATE_AGI' }) : undefined;
  if (global && global.Message !== DENIED) {
    const url = global.Value || 'agi://127.0.0.1:4573';
    const target = /^agi:\/\/([^/:]+|\[[^\]]+\])(?::(\d+))?/.exec(url);
    const port = Number(target?.[2] ?? 4573);
    const setIt = `set AGENTGATE_AGI=agi://<this machine>:${config.AGI_PORT} in [globals] of extensions.conf (dialplan/README.md), then asterisk -rx 'dialplan reload'`;
    if (config.AGI_PORT !== 0 && port !== config.AGI_PORT) {
      out.push(fail(what, `the dialplan sends calls to ${url}${global.Value ? '' : ' (AGENTGATE_AGI not set)'}, but AGI_PORT is ${config.AGI_PORT}`, `${setIt}, or AGI_PORT=${port}`));
    } else if (!local && loopback(target?.[1] ?? '')) {
      out.push(fail(what, `the dialplan sends calls to ${url}${global.Value ? '' : ' (AGENTGATE_AGI not set)'}: that is the Asterisk host itself`, setIt));
    }
  }
  if (out.length) return out;
  if (config.AGI_PORT === 0) return [ok(what, 'AGI_PORT=0 (any free port): the dialplan cannot know it; fine for tests only')];
  const host = config.AGI_HOST === '0.0.0.0' || config.AGI_HOST === '::' ? '127.0.0.1' : config.AGI_HOST;
  const listening = await new Promise<boolean>((resolve) => {
    const s = net.connect({ host, port: config.AGI_PORT });
    const done = (up: boolean) => {
      s.destroy();
      resolve(up);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.setTimeout(2000, () => done(false));
  });
  const where = `${config.AGI_HOST}:${config.AGI_PORT}, reachable from ${peer}`;
  if (!listening) return [warn(what, `set for ${where}, but nothing listens there now`, 'start the service: agentgate serve (or systemctl start agentgate)')];
  return [ok(what, `listening on ${where}`)];
}

/** A CIDR's (or a bare address's) first and last address. */
function ends(cidr: string): [string, string] {
  const kind = net.isIPv6(cidr.split('/')[0] ?? '') ? ipaddr.IPv6 : ipaddr.IPv4;
  const range = cidr.includes('/') ? cidr : `${cidr}/${kind === ipaddr.IPv6 ? 128 : 32}`;
  return [kind.networkAddressFromCIDR(range).toString(), kind.broadcastAddressFromCIDR(range).toString()];
}

/**
 * A provisioned PBX's `agi_from` inside AGI_ALLOW (each entry's first and last address let in),
 * and, with several PBXs, not empty: a FastAGI session is told apart by the address it comes from,
 * so the sessions of a PBX without one act for no extension (docs/several-pbxs.md, "Phones").
 */
export function checkAgiFrom(allow: Config['AGI_ALLOW'], pbx: string, agiFrom: readonly string[], several: boolean): Finding {
  const what = 'agi_from';
  if (agiFrom.length === 0) {
    return several
      ? warn(what, `none: with several PBXs a FastAGI session is told apart by the address it comes from, so the phones of PBX ${pbx} act for no extension`, `give PBX ${pbx} the address its FastAGI sessions come from, agi_from: [<address>/32], and provision again`)
      : ok(what, 'none: the only PBX, every FastAGI session is its');
  }
  const out = agiFrom.filter((cidr) => !ends(cidr).every((address) => isAllowed(allow, address)));
  if (out.length) return fail(what, `AGI_ALLOW does not let in ${out.join(', ')} (the agi_from of PBX ${pbx})`, `add ${out.join(',')} to AGI_ALLOW`);
  return ok(what, `${agiFrom.join(', ')}, let in by AGI_ALLOW`);
}

import { amiLoginAdvice } from '../ami/advice.js';
import { AmiSession, AmiSessionError } from '../ami/session.js';
import type { Config } from '../config.js';
import { checkDatabase, checkPrompts } from './local.js';
import { addressOf, checkDialplan, checkFastAgi, checkWriteClasses, loopback } from './pbx.js';
import { type Finding, fail, ok, skip } from './report.js';

export interface DoctorOptions {
  /** Asterisk's sounds folder, when it is on this machine (default /var/lib/asterisk/sounds if Asterisk is local). */
  sounds?: string | undefined;
}

/**
 * `agentgate doctor`: each thing a working install needs, checked the way the service uses it,
 * in the order a newcomer sets them up. Nothing is changed anywhere.
 */
export async function runDoctor(config: Config, opts: DoctorOptions = {}): Promise<Finding[]> {
  const findings: Finding[] = [await checkDatabase(config)];
  const target = { host: config.AMI_HOST, port: config.AMI_PORT, username: config.AMI_USERNAME };
  let ami: AmiSession | undefined;
  try {
    ami = await AmiSession.open({ ...target, secret: config.AMI_SECRET, timeoutMs: config.AMI_TIMEOUT_MS });
    findings.push(ok('AMI login', `${config.AMI_USERNAME} at ${config.AMI_HOST}:${config.AMI_PORT}`));
  } catch (err) {
    if (!(err instanceof AmiSessionError)) throw err;
    findings.push(fail('AMI login', err.message, amiLoginAdvice(err.kind, target)));
  }
  try {
    if (ami) findings.push(await checkWriteClasses(ami, config.AMI_USERNAME), await checkDialplan(ami));
    else findings.push(skip('AMI write classes', 'needs the AMI login'), skip('dialplan', 'needs the AMI login'));
    findings.push(...(await checkFastAgi(ami, config)));
  } finally {
    await ami?.close();
  }
  findings.push(...checkPrompts(opts.sounds, loopback(await addressOf(config.AMI_HOST)), config.AMI_HOST));
  return findings;
}

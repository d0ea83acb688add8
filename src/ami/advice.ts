import type { Logger } from 'pino';

/**
 * The settings that say where a PBX's AMI is and who logs in there: the AMI_* variables for the
 * one PBX of the environment, the fields of its `pbxes` entry and its `secret_env` variable for a
 * provisioned one (CONTRACT §9).
 */
export interface AmiSettings {
  username: string;
  secret: string;
  host: string;
  /** Where the address is set, and the same as `host:port`. */
  address: string;
  at: string;
}

export const AMI_ENV: AmiSettings = { username: 'AMI_USERNAME', secret: 'AMI_SECRET', host: 'AMI_HOST', address: 'AMI_HOST and AMI_PORT', at: 'AMI_HOST:AMI_PORT' };

export const pbxSettings = (pbx: string, secretEnv: string): AmiSettings => ({
  username: `the ami.username of PBX ${pbx}`,
  secret: secretEnv,
  host: `the ami.host of PBX ${pbx}`,
  address: `the ami.host and ami.port of PBX ${pbx}`,
  at: `the ami.host:ami.port of PBX ${pbx}`,
});

/**
 * What to change when the AMI login fails, naming the settings: the one text the service's log,
 * `doctor` and `provision --from-asterisk` give for each way it fails.
 */
export function amiLoginAdvice(kind: 'unreachable' | 'refused' | 'timeout', o: { host: string; port: number; username: string }, names: AmiSettings = AMI_ENV): string {
  switch (kind) {
    case 'refused':
      return `${names.username} ("${o.username}") and ${names.secret} must match a [${o.username}] section of manager.conf and its secret (then: asterisk -rx 'manager reload')`;
    case 'unreachable':
      return `check ${names.address} (now ${o.host}:${o.port}) and manager.conf [general]: enabled = yes, port, bindaddr`;
    case 'timeout':
      return `something at ${names.at} (${o.host}:${o.port}) accepted the connection but did not answer as Asterisk does: check the address, or raise AMI_TIMEOUT_MS`;
  }
}

/**
 * Logs a failed connect once per change of its reason, with the fix: the same failure every few
 * seconds would bury every other line. Returns the reason to pass next time.
 */
export function logConnectFailure(
  log: Logger,
  last: string | undefined,
  reason: string,
  kind: 'unreachable' | 'refused' | 'timeout',
  o: { host: string; port: number; username: string },
  names: AmiSettings = AMI_ENV,
): string {
  if (reason === last) log.debug({ host: o.host, port: o.port, reason }, 'ami connect failed again');
  else log.warn({ host: o.host, port: o.port, reason, fix: amiLoginAdvice(kind, o, names) }, `ami connect failed: ${reason}; retrying until it works`);
  return reason;
}

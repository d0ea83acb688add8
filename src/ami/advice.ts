import type { Logger } from 'pino';

/**
 * What to change when the AMI login fails, naming the settings: the one text the service's log,
 * `doctor` and `provision --from-asterisk` give for each way it fails.
 */
export function amiLoginAdvice(kind: 'unreachable' | 'refused' | 'timeout', o: { host: string; port: number; username: string }): string {
  switch (kind) {
    case 'refused':
      return `AMI_USERNAME ("${o.username}") and AMI_SECRET must match a [${o.username}] section of manager.conf and its secret (then: asterisk -rx 'manager reload')`;
    case 'unreachable':
      return `check AMI_HOST and AMI_PORT (now ${o.host}:${o.port}) and manager.conf [general]: enabled = yes, port, bindaddr`;
    case 'timeout':
      return `something at AMI_HOST:AMI_PORT (${o.host}:${o.port}) accepted the connection but did not answer as Asterisk does: check the address, or raise AMI_TIMEOUT_MS`;
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
): string {
  if (reason === last) log.debug({ host: o.host, port: o.port, reason }, 'ami connect failed again');
  else log.warn({ host: o.host, port: o.port, reason, fix: amiLoginAdvice(kind, o) }, `ami connect failed: ${reason}; retrying until it works`);
  return reason;
}

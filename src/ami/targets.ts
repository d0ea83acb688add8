import type { Config } from '../config.js';
import { DEFAULT_PBX } from '../provision/pbxes.js';
import { AMI_ENV, type AmiSettings, amiLoginAdvice, pbxSettings } from './advice.js';
import { AmiSession, AmiSessionError } from './session.js';

/**
 * One PBX a one-shot command (`doctor`, `provision --from-asterisk`) logs in to: the AMI_* one of
 * the environment, or a provisioned one with the secret its `secret_env` names (undefined when
 * that variable is not set). The secret is never part of a message.
 */
export interface PbxTarget {
  name: string;
  host: string;
  port: number;
  username: string;
  /** The variable holding the secret: undefined for the AMI_* PBX (AMI_SECRET). */
  secretEnv?: string | undefined;
  secret: string | undefined;
  /** The settings to name in a message about it. */
  names: AmiSettings;
}

/** The PBX of a database (or a file) without `pbxes`: `default`, described by AMI_*. */
export function envTarget(config: Pick<Config, 'AMI_HOST' | 'AMI_PORT' | 'AMI_USERNAME' | 'AMI_SECRET'>): PbxTarget {
  return { name: DEFAULT_PBX, host: config.AMI_HOST, port: config.AMI_PORT, username: config.AMI_USERNAME, secret: config.AMI_SECRET, names: AMI_ENV };
}

/** A provisioned PBX: its `ami:` entry, the secret read from the variable it names. */
export function provisionedTarget(
  p: { name: string; host: string; port: number; username: string; secretEnv: string },
  secretOf: Config['secretOf'],
): PbxTarget {
  return { name: p.name, host: p.host, port: p.port, username: p.username, secretEnv: p.secretEnv, secret: secretOf(p.secretEnv), names: pbxSettings(p.name, p.secretEnv) };
}

/** Why a target could not be logged in to, and the setting to change. */
export interface LoginProblem {
  problem: string;
  fix: string;
}

/** Logs in to the target, or says why not (a secret variable not set is said without trying). */
export async function openTarget(t: PbxTarget, timeoutMs: number): Promise<AmiSession | LoginProblem> {
  if (t.secret === undefined) {
    return {
      problem: `${t.secretEnv}, the environment variable that holds the AMI secret of PBX ${t.name} (its secret_env), is not set`,
      fix: `set ${t.secretEnv} where agentgate's settings are (beside AMI_SECRET; /etc/agentgate/env for the service) to the secret of [${t.username}] in that PBX's manager.conf`,
    };
  }
  try {
    return await AmiSession.open({ host: t.host, port: t.port, username: t.username, secret: t.secret, timeoutMs });
  } catch (err) {
    if (!(err instanceof AmiSessionError)) throw err;
    return { problem: err.message, fix: amiLoginAdvice(err.kind, t, t.names) };
  }
}

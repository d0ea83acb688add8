import type { Deps } from './deps.js';
import { type PinGuard, clearPinFailures, countPinFailure, hashPin, pinLocked, verifyPin } from './pin.js';
import { findAgent } from './store.js';

export type PinAnswer = 'ok' | 'wrong' | 'locked';

/** True when some agent has a PIN: then every number typed at the phone is asked one, known or not. */
export async function pinsInUse(deps: Deps): Promise<boolean> {
  const row = await deps.db('agents').whereNotNull('pin_hash').first('login');
  return row !== undefined;
}

/** Whether too many wrong PINs lock this number's phone login (HTTP is never affected). */
export function phoneLoginLocked(deps: Deps, login: string): Promise<boolean> {
  return pinLocked(deps.db, login);
}

let decoy: Promise<string> | undefined;

/**
 * Checks a PIN typed at the phone for `login`. An unknown number answers exactly like a wrong PIN,
 * after the same scrypt work (a decoy hash), and is counted the same way: nothing tells a caller
 * which numbers are agents. A lockout is logged; the PIN never is.
 */
export async function checkPhonePin(deps: Deps, guard: PinGuard, login: string, pin: string): Promise<PinAnswer> {
  // Checked at every PIN, not once per call: calls begun before the lock, or many at once, are bound too,
  // and a right PIN during the lockout does not open it.
  if (await pinLocked(deps.db, login)) return 'locked';
  const agent = await findAgent(deps.db, login);
  decoy ??= hashPin('decoy-never-matches');
  const right = agent?.pin_hash ? await verifyPin(pin, agent.pin_hash) : (await verifyPin(pin, await decoy), false);
  if (right && pin !== '') {
    await clearPinFailures(deps.db, login);
    return 'ok';
  }
  const locked = await countPinFailure(deps.db, login, guard);
  if (locked) {
    deps.log.warn({ agent: login, failures: guard.maxFailures, lockoutS: guard.lockoutS }, 'phone login locked: too many wrong PINs');
    return 'locked';
  }
  deps.log.info({ agent: login }, 'phone login: wrong PIN');
  return 'wrong';
}

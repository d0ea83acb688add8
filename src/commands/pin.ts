import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { Knex } from 'knex';

const scrypt = (pin: string, salt: Buffer, len: number, opts: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCb(pin, salt, len, opts, (err, key) => (err ? reject(err) : resolve(key))),
  );

const N = 16384;
const R = 8;
const P = 1;

/** `scrypt$N$r$p$salt$hash`, base64; the PIN itself is never stored. */
export async function hashPin(pin: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(pin, salt, 32, { N, r: R, p: P });
  return ['scrypt', N, R, P, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPin(pin: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await scrypt(pin, Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return timingSafeEqual(key, expected);
}

/** Phone PIN guessing: this many wrong PINs within the window lock the agent's phone login. */
export interface PinGuard {
  maxFailures: number;
  windowS: number;
  lockoutS: number;
}
export const DEFAULT_PIN_GUARD: PinGuard = { maxFailures: 5, windowS: 900, lockoutS: 900 };

/** Whether the phone login of `agent` (a number as typed, known or not) is locked now. */
export async function pinLocked(db: Knex, agent: string): Promise<boolean> {
  const row = await db('pin_lockouts').where({ agent }).where('until', '>', db.fn.now()).first('agent');
  return row !== undefined;
}

/**
 * Counts one wrong PIN for `agent` and returns whether it locks the agent out now. Counting is per
 * number, in the database (every instance, every call), one failure at a time per number.
 */
export function countPinFailure(db: Knex, agent: string, guard: PinGuard): Promise<boolean> {
  return db.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`agentgate pin ${agent}`]);
    await trx('pin_failures').where('at', '<=', trx.raw("now() - ? * interval '1 second'", [guard.windowS])).delete();
    await trx('pin_lockouts').where('until', '<=', trx.fn.now()).delete();
    await trx('pin_failures').insert({ agent });
    const row = await trx('pin_failures').where({ agent }).count<{ n: number | string }[]>('* as n').first();
    if (Number(row?.n ?? 0) < guard.maxFailures) return false;
    await trx('pin_lockouts')
      .insert({ agent, until: trx.raw("now() + ? * interval '1 second'", [guard.lockoutS]) })
      .onConflict('agent')
      .merge();
    await trx('pin_failures').where({ agent }).delete();
    return true;
  });
}

/** A right PIN starts the count again. */
export async function clearPinFailures(db: Knex, agent: string): Promise<void> {
  await db('pin_failures').where({ agent }).delete();
}

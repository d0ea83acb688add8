import { createHash, timingSafeEqual } from 'node:crypto';
import { type BlockList, isIP } from 'node:net';
import { isAllowed } from '../config.js';

const digest = (token: string) => createHash('sha256').update(token).digest();

/** What a caller presented, read from the headers and the URL only (never from the body). */
export interface Presented {
  /** The `Authorization` header as sent. */
  authorization?: string | string[] | undefined;
  /** `token=` from the query string. */
  token?: unknown;
}

/**
 * Callers inside the allow list pass (whatever they present). Others need a token from the list,
 * as `Authorization: Bearer <token>` or `token=<token>` in the query string; when they present
 * both, both must be valid: a wrong credential is never rescued by a right one. An Authorization
 * header that is not `Bearer <token>` counts as a wrong credential. Tokens are kept only as hashes.
 */
export function accessCheck(allow: BlockList, tokens: readonly string[]) {
  const hashes = tokens.map(digest);
  const valid = (token: string) => {
    const h = digest(token);
    return hashes.some((t) => timingSafeEqual(t, h));
  };
  return (address: string | undefined, presented: Presented): boolean => {
    if (address !== undefined && isIP(plain(address)) !== 0 && isAllowed(allow, address)) return true;
    const given: unknown[] = [];
    if (presented.authorization !== undefined) {
      const h = presented.authorization;
      const m = typeof h === 'string' ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(h) : null;
      given.push(m ? m[1] : undefined);
    }
    if (presented.token !== undefined) given.push(presented.token);
    return given.length > 0 && given.every((t) => typeof t === 'string' && t !== '' && valid(t));
  };
}

export type AccessCheck = ReturnType<typeof accessCheck>;

/**
 * `trustProxy` for Fastify: only a peer inside TRUSTED_PROXIES is believed about who it forwards,
 * so `X-Forwarded-For` is read from the right and the first address outside the list is the caller.
 * With no trusted proxies, `X-Forwarded-For` is never read.
 */
export function proxyTrust(trusted: BlockList | undefined): false | ((address: string) => boolean) {
  if (!trusted || trusted.rules.length === 0) return false;
  return (address: string) => isIP(plain(address)) !== 0 && isAllowed(trusted, address);
}

const plain = (address: string) => /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] ?? address;

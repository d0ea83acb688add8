import { type BlockList, isIP } from 'node:net';
import { plain } from '../access/credentials.js';
import { isAllowed } from '../config.js';

/**
 * `trustProxy` for Fastify: only a peer inside TRUSTED_PROXIES is believed about who it forwards,
 * so `X-Forwarded-For` is read from the right and the first address outside the list is the caller.
 * With no trusted proxies, `X-Forwarded-For` is never read.
 */
export function proxyTrust(trusted: BlockList | undefined): false | ((address: string) => boolean) {
  if (!trusted || trusted.rules.length === 0) return false;
  return (address: string) => isIP(plain(address)) !== 0 && isAllowed(trusted, address);
}

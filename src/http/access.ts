import { createHash, timingSafeEqual } from 'node:crypto';
import type { BlockList } from 'node:net';
import { isAllowed } from '../config.js';

const digest = (token: string) => createHash('sha256').update(token).digest();

/** Callers inside the allow list pass; others need one of the API tokens (kept only as hashes). */
export function accessCheck(allow: BlockList, tokens: readonly string[]) {
  const hashes = tokens.map(digest);
  return (address: string | undefined, presented: string | undefined): boolean => {
    if (isAllowed(allow, address)) return true;
    if (!presented) return false;
    const h = digest(presented);
    return hashes.some((t) => timingSafeEqual(t, h));
  };
}

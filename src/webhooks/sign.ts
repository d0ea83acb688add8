import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * `X-Agentgate-Signature`: `sha256=` and the hex HMAC-SHA256, keyed with the webhook's secret, of
 * the `X-Agentgate-Timestamp` value, a `.`, and the body's bytes. The timestamp is signed too, so a
 * captured request cannot be replayed later under a fresh one.
 */
export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** What a receiver does (README, "Webhooks"): the signature matches and the timestamp is recent. */
export function verifySignature(
  secret: string,
  headers: { signature: string | undefined; timestamp: string | undefined },
  body: string,
  opts: { toleranceS?: number; nowS?: number } = {},
): boolean {
  const { signature: given, timestamp } = headers;
  if (!given || !timestamp || !/^\d{1,12}$/.test(timestamp)) return false;
  const now = opts.nowS ?? Date.now() / 1000;
  if (Math.abs(now - Number(timestamp)) > (opts.toleranceS ?? 300)) return false;
  const expected = Buffer.from(signature(secret, timestamp, body));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

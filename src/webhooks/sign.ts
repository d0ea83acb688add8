import { createHmac } from 'node:crypto';

/**
 * `X-Agentgate-Signature`: `sha256=` and the hex HMAC-SHA256, keyed with the webhook's secret, of
 * the `X-Agentgate-Timestamp` value, a `.`, and the body's bytes. The timestamp is signed too, so a
 * captured request cannot be replayed later under a fresh one.
 */
export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

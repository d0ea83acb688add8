import { signature } from './sign.js';

export type PostResult = { ok: true; status: number } | { ok: false; status: number | null; error: string };

/**
 * One signed POST with Node's fetch, given up after `timeoutMs` (or when `stop` aborts it). A 2xx
 * answer is delivered; anything else (another status, a redirect, a connection refused or reset, a
 * timeout) is a failed attempt. The answer's body is not read.
 */
export async function postDelivery(
  url: string,
  secret: string,
  body: string,
  extra: { idempotencyKey: string; kind: string },
  timeoutMs: number,
  stop: AbortSignal,
): Promise<PostResult> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), stop]);
  try {
    const res = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      signal,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': 'agentgate-webhooks',
        'x-agentgate-timestamp': timestamp,
        'x-agentgate-signature': signature(secret, timestamp, body),
        'x-agentgate-event': extra.kind,
        'idempotency-key': extra.idempotencyKey,
      },
      body,
    });
    void res.body?.cancel().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
    return { ok: false, status: res.status, error: `HTTP ${res.status}` };
  } catch (err) {
    if (stop.aborted) return { ok: false, status: null, error: 'stopped' };
    if (signal.aborted) return { ok: false, status: null, error: `no answer within ${timeoutMs} ms` };
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return { ok: false, status: null, error: cause?.code ?? cause?.message ?? (err as Error).message };
  }
}

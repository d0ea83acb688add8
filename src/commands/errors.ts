import { PbxBadValue, PbxRefused, PbxUnavailable } from '../ami/pbx.js';
import { type Outcome, outcome } from './outcomes.js';

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN']);

/** Postgres (or the pool in front of it) could not be reached or dropped us. */
export function isDatabaseDown(err: unknown): boolean {
  const e = err as { code?: string; name?: string; message?: string };
  if (!e || typeof e !== 'object') return false;
  if (e.code && CONNECTION_CODES.has(e.code)) return true;
  // 08: connection exceptions; 57P0x: the server shut down or the backend was terminated.
  if (e.code && (/^08/.test(e.code) || /^57P0/.test(e.code) || e.code === '53300')) return true;
  if (e.name === 'KnexTimeoutError') return true;
  return /Connection terminated|connection error|not queryable|terminating connection/i.test(e.message ?? '');
}

/** What a failure means to the caller; the cause goes to the log, never to the answer. */
export function failureOutcome(err: unknown): Outcome {
  if (err instanceof PbxRefused) return { kind: 'pbxError', detail: err.message };
  if (err instanceof PbxUnavailable) return outcome('pbxUnavailable');
  if (err instanceof PbxBadValue) return outcome('argumentInvalid');
  if (isDatabaseDown(err)) return outcome('databaseUnavailable');
  return outcome('internalError');
}

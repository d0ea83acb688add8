import { OUTCOMES } from '../commands/outcomes.js';

/**
 * The answers HTTP gives on its own, before or instead of a command: access, routing, malformed
 * requests, health. Command answers live in OUTCOMES; where both say the same thing the string is
 * taken from there, so each wire string is written once. A test checks every row is in docs/http-api.md.
 */
export const HTTP_ANSWERS = {
  forbidden: { status: OUTCOMES.forbidden.http, body: { error: OUTCOMES.forbidden.message } },
  /** The agent panel without a sign-in, or with one past its limits. */
  signIn: { status: 401, body: { error: 'Sign in required' } },
  sessionExpired: { status: 401, body: { error: 'Session expired' } },
  signedIn: { status: 200, body: { success: 'Signed in' } },
  signedOut: { status: 200, body: { success: 'Signed out' } },
  /** A wrong PIN, an unknown agent and an agent without a PIN answer alike: nothing tells which logins exist. */
  pinWrong: { status: 401, body: { error: 'Agent or PIN wrong' } },
  pinLocked: { status: 429, body: { error: 'Too many wrong PINs; try again later' } },
  notFound: { status: 404, body: { error: 'Not found' } },
  methodNotAllowed: { status: 405, body: { error: 'Method not allowed' } },
  /** Not HTTP at all: a request line or header Node cannot parse. */
  badRequest: { status: 400, body: { error: 'Bad request' } },
  /** The request was not complete within Node's request timeout. */
  requestTimeout: { status: 408, body: { error: 'Request timeout' } },
  headersTooLarge: { status: 431, body: { error: 'Request header fields too large' } },
  /** A body that cannot be read as parameters (broken JSON, a bad multipart): the contract's answer. */
  badBody: { status: 400, body: { error: OUTCOMES.argumentInvalid.message } },
  bodyTooLarge: { status: 413, body: { error: OUTCOMES.argumentInvalid.message } },
  unsupportedType: { status: 415, body: { error: OUTCOMES.argumentInvalid.message } },
  shuttingDown: { status: 503, body: { error: 'Service unavailable' } },
  /** A list, the feed or a report could not be read: Postgres is away. */
  databaseDown: { status: OUTCOMES.databaseUnavailable.http, body: { error: OUTCOMES.databaseUnavailable.message } },
  /** A query parameter of a list, the feed or a report is wrong (the report also names it). */
  badParameter: { status: 400, body: { error: OUTCOMES.argumentInvalid.message } },
  internal: { status: OUTCOMES.internalError.http, body: { error: OUTCOMES.internalError.message } },
  healthy: { status: 200, body: { success: 'OK', status: 'ok' } },
  ready: { status: 200, body: { success: 'Ready', status: 'ready' } },
  notReady: { status: 503, body: { error: 'Not ready', status: 'not ready' } },
} as const satisfies Record<string, { status: number; body: { error: string } | { success: string; status?: string } | { error: string; status: string } }>;

/** `badParameter`, naming the parameter that is wrong (reports, webhook deliveries). */
export const badParameterNamed = (param: string) => ({ status: HTTP_ANSWERS.badParameter.status, body: { ...HTTP_ANSWERS.badParameter.body, detail: param } });

export type HttpAnswer = (typeof HTTP_ANSWERS)[keyof typeof HTTP_ANSWERS];

export const JSON_TYPE = 'application/json; charset=utf-8';

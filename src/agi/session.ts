import type { Duplex } from 'node:stream';
import { AgiConnection, type AgiSessionOptions } from './connection.js';
import { AgiArgumentError, AgiClosedError, AgiHangupError } from './errors.js';
import type { AgiResponse } from './protocol.js';

export type { AgiSessionOptions } from './connection.js';

/**
 * What GET DATA plays when its own prompt is missing, so the caller still hears when to type:
 * Asterisk's own `beep`, then nothing at all (GET DATA with no file only collects).
 */
const FALLBACK_QUESTIONS = ['beep', ''];

/**
 * One FastAGI session: the typed verbs over an AgiConnection.
 *
 * Asterisk answers `result=-1` to STREAM FILE and GET DATA both when the caller hung up and when
 * the file cannot be opened; only a hangup is followed by `HANGUP` and refuses commands on the
 * dead channel with 511. So after a `-1` the session asks Asterisk (ANSWER: 511 when dead, 200 on
 * a live channel): a hangup throws AgiHangupError; a missing file is logged, naming it, and the call
 * goes on (a question still collects its digits).
 */
export class AgiSession extends AgiConnection {
  /** Reads the environment block from `socket`; rejects (and destroys the socket) on timeout or close. */
  static async accept(socket: Duplex, opts: AgiSessionOptions = {}): Promise<AgiSession> {
    const session = new AgiSession(socket, opts);
    await session.readEnv(opts.envTimeoutMs ?? 5000);
    return session;
  }

  async answer(): Promise<void> {
    const r = await this.send('ANSWER', []);
    if (Number(r.result) < 0) throw hangup('ANSWER', r);
  }

  /** `GET DATA`: plays `file`, collects up to `maxDigits` DTMF digits (`#` ends the entry). */
  async getData(file: string, timeoutMs: number, maxDigits: number): Promise<{ digits: string; timedOut: boolean }> {
    checkCount('GET DATA', 'timeout', timeoutMs, 0);
    checkCount('GET DATA', 'max digits', maxDigits, 1);
    const wait = this.commandTimeoutMs + timeoutMs * maxDigits;
    for (const prompt of [file, ...FALLBACK_QUESTIONS]) {
      const r = await this.send('GET DATA', [prompt, String(timeoutMs), String(maxDigits)], wait);
      if (r.result !== '-1') return { digits: r.result, timedOut: r.data === 'timeout' };
      await this.stillUp(`GET DATA ${prompt}`, r);
      this.log?.warn({ file: prompt }, 'prompt file missing on the Asterisk host: asking again without it');
    }
    return { digits: '', timedOut: true };
  }

  /**
   * `STREAM FILE`: `digit` is the escape digit pressed ('' if none), `endpos` the sample reached;
   * `missing` when Asterisk could not open the file (logged; the caller heard nothing).
   */
  async streamFile(file: string, escapeDigits = ''): Promise<{ digit: string; endpos: number; missing?: true }> {
    const r = await this.send('STREAM FILE', [file, escapeDigits]);
    const n = Number(r.result);
    if (n >= 0) return { digit: n > 0 ? String.fromCharCode(n) : '', endpos: Number(r.extras.endpos ?? 0) };
    await this.stillUp(`STREAM FILE ${file}`, r);
    this.log?.warn({ file }, 'prompt file missing on the Asterisk host: going on without it');
    return { digit: '', endpos: 0, missing: true };
  }

  /** `SAY DIGITS`; resolves with the escape digit pressed, or ''. */
  async sayDigits(digits: string, escapeDigits = ''): Promise<string> {
    const r = await this.send('SAY DIGITS', [digits, escapeDigits]);
    const n = Number(r.result);
    if (n >= 0) return n > 0 ? String.fromCharCode(n) : '';
    await this.stillUp('SAY DIGITS', r);
    this.log?.warn('digit sounds missing on the Asterisk host: going on without them');
    return '';
  }

  /** `SET VARIABLE` (works after a hangup too: Asterisk still answers 200). */
  async setVariable(name: string, value: string): Promise<void> {
    await this.send('SET VARIABLE', [name, value]);
  }

  /** `GET VARIABLE`: the value, or undefined when the variable is not set (`200 result=0`). */
  async getVariable(name: string): Promise<string | undefined> {
    const r = await this.send('GET VARIABLE', [name]);
    return r.result === '1' ? (r.data ?? '') : undefined;
  }

  async verbose(message: string, level = 1): Promise<void> {
    await this.send('VERBOSE', [message, String(level)]);
  }

  /** `EXEC app data`: the application's result (-2: no such application). */
  async exec(app: string, data?: string): Promise<number> {
    const r = await this.send('EXEC', data === undefined || data === '' ? [app] : [app, data]);
    return Number(r.result);
  }

  /** `HANGUP`; a channel that is already gone (511) or a closed connection count as done. */
  async hangup(): Promise<void> {
    if (this.closed) return;
    try {
      await this.send('HANGUP', []);
    } catch (err) {
      if (err instanceof AgiHangupError || err instanceof AgiClosedError) return;
      throw err;
    }
  }

  /** After a media command's `-1`: throws AgiHangupError unless the channel is still up. */
  private async stillUp(what: string, r: AgiResponse): Promise<void> {
    if (this.hungUp) throw hangup(what, r);
    try {
      await this.send('ANSWER', []);
    } catch (err) {
      if (err instanceof AgiHangupError) throw hangup(what, r);
      throw err;
    }
    if (this.hungUp) throw hangup(what, r);
  }
}

function hangup(what: string, r: AgiResponse): AgiHangupError {
  return new AgiHangupError(`AGI ${what}: result=${r.result} (hung up)`, 200);
}

function checkCount(verb: string, name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new AgiArgumentError(verb, name, String(value), `must be an integer >= ${min}`);
  }
}

import { StringDecoder } from 'node:string_decoder';
import { AgiArgumentError, AgiCommandError, AgiHangupError, AgiProtocolError, type AgiError } from './errors.js';

/** A `200 result=…` answer: `200 result=0 endpos=14080` → `{code:200, result:'0', extras:{endpos:'14080'}}`. */
export interface AgiResponse {
  code: 200;
  /** The text after `result=` up to the first space; `''` for `200 result= (timeout)`. */
  result: string;
  /** The text in parentheses, if any: `(2001)` → `'2001'`, `(timeout)` → `'timeout'`. */
  data?: string;
  /** `key=value` pairs after the result and data, e.g. `endpos`. */
  extras: Record<string, string>;
}

/** What the reader makes of Asterisk's bytes, in order. */
export type AgiEvent =
  | { type: 'hangup' } // unsolicited `HANGUP` line: the caller hung up; not an answer to a command
  | { type: 'response'; response: AgiResponse }
  | { type: 'failure'; error: AgiError }; // 510, 511, 520, other codes, or a line that is not FastAGI

/** `agi_callerid: 2001` → `['agi_callerid', '2001']`; split at the FIRST `": "`; `agi_accountcode: ` → `''`. */
export function parseEnvLine(line: string): [key: string, value: string] | undefined {
  const at = line.indexOf(': ');
  if (at > 0) return [line.slice(0, at), line.slice(at + 2)];
  // `agi_accountcode:` without the trailing space (not what Asterisk sends, but harmless)
  if (line.endsWith(':') && line.length > 1 && !line.includes(' ')) return [line.slice(0, -1), ''];
  return undefined;
}

/** Splits bytes into lines (`\n`, a trailing `\r` dropped); UTF-8 split across chunks is kept whole. */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private buffer = '';
  constructor(private readonly maxLineLength = 16 * 1024) {}

  push(chunk: Buffer | string): string[] {
    this.buffer += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    const parts = this.buffer.split('\n');
    this.buffer = parts.pop() ?? '';
    if (this.buffer.length > this.maxLineLength) {
      throw new AgiProtocolError(`AGI line longer than ${this.maxLineLength} characters`);
    }
    return parts.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  }
}

const EXTRAS = /^(?:\s+[\w.-]+=\S*)*\s*$/;

/** Parses the text after `200 `: `result=1 (2001)`, `result= (timeout)`, `result=0 endpos=14080`. */
export function parseResult(text: string): AgiResponse | undefined {
  if (!text.startsWith('result=')) return undefined;
  const rest = text.slice('result='.length);
  const space = rest.indexOf(' ');
  const result = space < 0 ? rest : rest.slice(0, space);
  let tail = space < 0 ? '' : rest.slice(space);
  const response: AgiResponse = { code: 200, result, extras: {} };
  const open = tail.search(/\S/);
  if (open >= 0 && tail[open] === '(') {
    // the data may itself hold ')' or spaces (GET VARIABLE): take the last ')' that is followed
    // only by key=value pairs, or else the last ')'
    let close = -1;
    for (let i = tail.lastIndexOf(')'); i > open; i = tail.lastIndexOf(')', i - 1)) {
      if (close < 0) close = i;
      if (EXTRAS.test(tail.slice(i + 1))) {
        close = i;
        break;
      }
    }
    if (close > open) {
      response.data = tail.slice(open + 1, close);
      tail = tail.slice(close + 1);
    }
  }
  let last: string | undefined;
  for (const token of tail.split(/\s+/).filter(Boolean)) {
    const eq = token.indexOf('=');
    if (eq > 0) {
      last = token.slice(0, eq);
      response.extras[last] = token.slice(eq + 1);
    } else if (last !== undefined) {
      response.extras[last] += ` ${token}`; // `results=foo bar`
    }
  }
  return response;
}

const MAX_USAGE_LINES = 500;

/** Turns Asterisk's reply lines into events; keeps state for the multi-line `520-…` answer. */
export class AgiResponseParser {
  private multi: { code: number; lines: string[] } | undefined;

  line(line: string): AgiEvent | undefined {
    if (this.multi) {
      const { code, lines } = this.multi;
      const end = `${code} `;
      if (line.startsWith(end)) {
        this.multi = undefined;
        return failure(code, [...lines, line.slice(end.length)].join('\n'));
      }
      // old Asterisks printed usage text without a final newline: `…otherwise.520 End of proper usage.`
      const glued = line.indexOf(`${end}End of proper usage.`);
      if (glued > 0) {
        this.multi = undefined;
        return failure(code, [...lines, line.slice(0, glued), line.slice(glued + end.length)].join('\n'));
      }
      lines.push(line);
      if (lines.length > MAX_USAGE_LINES) {
        this.multi = undefined;
        return { type: 'failure', error: new AgiProtocolError(`AGI ${code}- answer without its last line`) };
      }
      return undefined;
    }
    if (line === '') return undefined;
    if (line === 'HANGUP') return { type: 'hangup' };
    const m = /^(\d{3})([ -])(.*)$/.exec(line);
    if (!m) {
      return { type: 'failure', error: new AgiProtocolError(`unexpected AGI line ${JSON.stringify(line.slice(0, 200))}`) };
    }
    const code = Number(m[1]);
    const text = m[3] ?? '';
    if (m[2] === '-') {
      this.multi = { code, lines: [text] };
      return undefined;
    }
    if (code === 200) {
      const response = parseResult(text);
      if (response) return { type: 'response', response };
      return { type: 'failure', error: new AgiProtocolError(`AGI 200 without result: ${JSON.stringify(line)}`) };
    }
    return failure(code, text);
  }
}

function failure(code: number, text: string): AgiEvent {
  if (code === 511) return { type: 'failure', error: new AgiHangupError(`AGI 511: ${text}`, 511) };
  return { type: 'failure', error: new AgiCommandError(code, text) };
}

/** Bytes in, events out: a LineSplitter feeding an AgiResponseParser (chunks may split or join replies). */
export class AgiResponseReader {
  private readonly splitter: LineSplitter;
  private readonly parser = new AgiResponseParser();
  constructor(maxLineLength?: number) {
    this.splitter = new LineSplitter(maxLineLength);
  }

  push(chunk: Buffer | string): AgiEvent[] {
    const events: AgiEvent[] = [];
    for (const line of this.splitter.push(chunk)) {
      const event = this.parser.line(line);
      if (event) events.push(event);
    }
    return events;
  }
}

const FORBIDDEN = /[\r\n\0]/;

/** Asterisk splits on spaces and tabs, and reads `"` and `\` specially anywhere in a line. */
function quoteArg(arg: string): string {
  if (arg !== '' && !/[\s"\\]/.test(arg)) return arg;
  return `"${arg.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * One command line, without the trailing `\n`: `formatCommand('STREAM FILE', ['beep', ''])` →
 * `STREAM FILE beep ""`. Throws AgiArgumentError (before anything can be written) for CR, LF or
 * NUL in the verb or an argument.
 */
export function formatCommand(verb: string, args: readonly string[] = []): string {
  if (verb.trim() === '' || FORBIDDEN.test(verb)) {
    throw new AgiArgumentError(verb, 'verb', verb, verb.trim() === '' ? 'is empty' : undefined);
  }
  args.forEach((arg, i) => {
    if (typeof arg !== 'string') throw new AgiArgumentError(verb, `argument ${i + 1}`, String(arg), 'is not a string');
    if (FORBIDDEN.test(arg)) throw new AgiArgumentError(verb, `argument ${i + 1}`, arg);
  });
  return [verb, ...args.map(quoteArg)].join(' ');
}

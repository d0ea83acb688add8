/** The manager.c wire format: what a message is, how it is read off the socket, how answers are written. */

/** One received action, headers as sent (first occurrence of a header wins). */
export interface AmiMessage {
  [header: string]: string;
}

export const AMI_GREETING = 'Asterisk Call Manager/11.0.0\r\n';

/** manager.h EVENT_FLAG_* with the labels of manager.c's perms[] table. */
const EVENT_FLAGS: ReadonlyArray<readonly [string, number]> = [
  ['system', 1 << 0],
  ['call', 1 << 1],
  ['log', 1 << 2],
  ['verbose', 1 << 3],
  ['command', 1 << 4],
  ['agent', 1 << 5],
  ['user', 1 << 6],
  ['config', 1 << 7],
  ['dtmf', 1 << 8],
  ['reporting', 1 << 9],
  ['cdr', 1 << 10],
  ['dialplan', 1 << 11],
  ['originate', 1 << 12],
  ['agi', 1 << 13],
  ['cc', 1 << 14],
  ['aoc', 1 << 15],
  ['test', 1 << 16],
  ['security', 1 << 17],
  ['message', 1 << 18],
  ['all', 0x7fffffff],
];
export const FLAG = {
  system: 1 << 0,
  call: 1 << 1,
  agent: 1 << 5,
  security: 1 << 17,
} as const;
export const ALL_EVENTS = 0x7fffffff;

/** A line that never ends: Asterisk would dump it; we just forget it. */
const MAX_BUFFER = 1 << 20;
const MAX_LINES = 128;

/** utils.c ast_true(). */
export function astTrue(s: string): boolean {
  return /^(yes|true|y|t|1|on)$/i.test(s);
}
/** utils.c ast_false(). */
function astFalse(s: string): boolean {
  return /^(no|false|n|f|0|off)$/i.test(s);
}

/** manager.c strings_to_mask(): -1 = leave the mask as it is. */
export function stringsToMask(s: string): number {
  if (s === '') return -1;
  if (/^[0-9]+$/.test(s)) return Number.parseInt(s, 10) | 0;
  if (astFalse(s)) return 0;
  if (astTrue(s)) return ALL_EVENTS;
  let mask = 0;
  const words = s.split(',').map((w) => w.toLowerCase());
  for (const [label, flag] of EVENT_FLAGS) if (words.includes(label)) mask |= flag;
  return mask;
}

/** manager.c authority_to_str() for a single category. */
export function privilege(flag: number): string {
  const found = EVENT_FLAGS.find(([, f]) => f === flag);
  return `${found ? found[0] : 'system'},all`;
}

/** A parsed AMI message: raw "Name: value" lines. */
export class Message {
  constructor(readonly lines: string[]) {}

  /** manager.c astman_get_header(): first match, case-insensitive name, leading blanks skipped. */
  get(name: string, skipEmpty = false): string {
    const want = name.toLowerCase();
    for (const line of this.lines) {
      const colon = line.indexOf(':');
      if (colon < 0 || line.slice(0, colon).toLowerCase() !== want) continue;
      const value = line.slice(colon + 1).replace(/^[ \t]+/, '');
      if (skipEmpty && value === '') continue;
      return value;
    }
    return '';
  }

  toRecord(): AmiMessage {
    const out: AmiMessage = {};
    for (const line of this.lines) {
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const name = line.slice(0, colon);
      if (!Object.prototype.hasOwnProperty.call(out, name)) out[name] = line.slice(colon + 1).replace(/^[ \t]+/, '');
    }
    return out;
  }
}

/** manager.c get_input(): lines end in \r\n or a bare \n; an empty line ends the message. */
export class MessageReader {
  private buf = '';
  private lines: string[] = [];

  /** Hands over each complete message; stops as soon as `stopped()` says the session reads no more. */
  push(chunk: string, stopped: () => boolean, onMessage: (m: Message) => void): void {
    this.buf += chunk;
    if (this.buf.length > MAX_BUFFER) {
      this.buf = '';
      this.lines = [];
      return;
    }
    let nl: number;
    while (!stopped() && (nl = this.buf.indexOf('\n')) >= 0) {
      let line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line === '') {
        const msg = new Message(this.lines);
        this.lines = [];
        onMessage(msg);
      } else if (this.lines.length < MAX_LINES) {
        this.lines.push(line);
      }
    }
  }
}

export function actionName(a: AmiMessage): string {
  for (const [k, v] of Object.entries(a)) if (k.toLowerCase() === 'action') return v;
  return '';
}

export function idLine(m: Message): string {
  const id = m.get('ActionID');
  return id === '' ? '' : `ActionID: ${id}\r\n`;
}

/** manager.c astman_send_response_full(). */
export function response(m: Message, resp: string, msg: string, listflag?: string): string {
  return `Response: ${resp}\r\n${idLine(m)}${listflag ? `EventList: ${listflag}\r\n` : ''}Message: ${msg}\r\n\r\n`;
}

/** manager.c astman_send_list_complete_start()/end(). */
export function listComplete(m: Message, event: string, count: number): string {
  return `Event: ${event}\r\n${idLine(m)}EventList: Complete\r\nListItems: ${count}\r\n\r\n`;
}

/** manager.c's event text: name, privilege, then the headers in order. */
export function eventText(flag: number, name: string, headers: ReadonlyArray<readonly [string, string]>): string {
  let text = `Event: ${name}\r\nPrivilege: ${privilege(flag)}\r\n`;
  for (const [k, v] of headers) text += `${k}: ${v}\r\n`;
  return `${text}\r\n`;
}

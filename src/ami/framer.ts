import { StringDecoder } from 'node:string_decoder';

/** One AMI message: its headers, the first occurrence of each. */
export interface AmiMessage {
  [header: string]: string | undefined;
}

/**
 * AMI's framing: after a one-line greeting (`Asterisk Call Manager/11.0.0`), messages of
 * `Key: Value` lines, each ended by an empty line, all CRLF. Bytes are taken as they come, split
 * anywhere (even inside a UTF-8 character), and nothing that arrives in the same chunk as another
 * message is lost.
 */
export class AmiFramer {
  private readonly decoder = new StringDecoder('utf8');
  private buffer = '';
  private greeted: boolean;

  /** Without `onGreeting` there is no greeting line to read (the server's side of the connection). */
  constructor(
    private readonly onMessage: (m: AmiMessage) => void,
    private readonly onGreeting?: (line: string) => void,
  ) {
    this.greeted = onGreeting === undefined;
  }

  push(chunk: Buffer): void {
    this.buffer += this.decoder.write(chunk);
    if (!this.greeted) {
      const eol = this.buffer.indexOf('\r\n');
      if (eol < 0) return;
      this.greeted = true;
      this.onGreeting?.(this.buffer.slice(0, eol));
      this.buffer = this.buffer.slice(eol + 2);
    }
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 4);
      if (block !== '') this.onMessage(parse(block));
    }
  }
}

export function parse(block: string): AmiMessage {
  const m: AmiMessage = {};
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon);
    const value = line.slice(colon + 1).replace(/^ /, '');
    // Command answers carry one Output header per line of the CLI's text: keep them all
    if (key === 'Output' && m[key] !== undefined) m[key] += `\n${value}`;
    else if (m[key] === undefined) m[key] = value;
  }
  return m;
}

/** Headers in the order given; the caller has refused CR and LF in every value. */
export function serialize(m: AmiMessage): string {
  let out = '';
  for (const [key, value] of Object.entries(m)) if (value !== undefined) out += `${key}: ${value}\r\n`;
  return `${out}\r\n`;
}

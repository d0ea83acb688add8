import net from 'node:net';

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends `bytes` as they are on a fresh connection, half-closes it (unless `keepOpen`), and reads
 * every answer the server writes until it closes: what a misbehaving client sees, below anything
 * Fastify's inject could fake. A connection closed without a word gives `[]`.
 */
export function rawHttp(port: number, bytes: string | Buffer, opts: { localAddress?: string; keepOpen?: boolean; head?: boolean; firstAnswer?: boolean } = {}): Promise<RawAnswer[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress: opts.localAddress });
    const chunks: Buffer[] = [];
    socket.on('connect', () => {
      socket.write(bytes);
      if (!opts.keepOpen) socket.end();
    });
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      // firstAnswer: stop as soon as one whole answer is in (the request may never be finished)
      if (opts.firstAnswer) {
        try {
          if (parseAnswers(Buffer.concat(chunks), opts.head).length > 0) socket.destroy();
        } catch {
          // not complete yet
        }
      }
    });
    socket.on('error', () => {}); // a reset after the answer is the server's right
    socket.on('close', () => {
      try {
        resolve(parseAnswers(Buffer.concat(chunks), opts.head));
      } catch (err) {
        reject(err);
      }
    });
  });
}

/** Splits a byte stream into HTTP/1.1 answers (Content-Length framed, as ours always are; none for HEAD). */
export function parseAnswers(data: Buffer, head = false): RawAnswer[] {
  const out: RawAnswer[] = [];
  let rest = data;
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) throw new Error(`an answer without the end of its headers: ${JSON.stringify(rest.toString('latin1').slice(0, 200))}`);
    const [statusLine = '', ...lines] = rest.subarray(0, end).toString('latin1').split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(statusLine);
    if (!m) throw new Error(`not an HTTP status line: ${JSON.stringify(statusLine)}`);
    const headers: Record<string, string> = {};
    for (const l of lines) {
      const i = l.indexOf(':');
      headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
    }
    // an answer to HEAD has no body; one after it (an error for what followed) may
    const after = rest.subarray(end + 4);
    const bodiless = head && (after.length === 0 || after.subarray(0, 5).toString('latin1') === 'HTTP/');
    const length = bodiless ? 0 : Number(headers['content-length'] ?? 0);
    if (rest.length < end + 4 + length) throw new Error('an answer cut short of its Content-Length');
    if (headers['transfer-encoding']) throw new Error('a chunked answer: ours always carry Content-Length');
    const body = rest.subarray(end + 4, end + 4 + length);
    out.push({ status: Number(m[1]), headers, body: body.toString('utf8') });
    rest = rest.subarray(end + 4 + length);
  }
  return out;
}

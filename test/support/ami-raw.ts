import assert from 'node:assert/strict';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SimAsterisk } from './asterisk.js';
import { readTranscript, rebuild } from './transcript.js';

/** The AMI captures, copied byte for byte from the real Asterisk 22.10. */
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'asterisk', 'ami');
/** A backstop against a hang, never a measure: on a loaded machine answers take their time. */
export const WAIT_MS = 60_000;

// ------------------------------------------------------------------------------------------------
// A raw AMI socket: no library in between, bytes as they come.

export class Raw {
  private chunks: Buffer[] = [];
  closed = false;
  private readonly closedP: Promise<void>;
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (b: Buffer) => {
      this.chunks.push(b);
      this.wake();
    });
    socket.on('error', () => {});
    this.closedP = new Promise((resolve) =>
      socket.on('close', () => {
        this.closed = true;
        this.wake();
        resolve();
      }),
    );
  }

  static connect(port: number): Promise<Raw> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(new Raw(socket)));
      socket.once('error', reject);
    });
  }

  get data(): string {
    return Buffer.concat(this.chunks).toString('latin1');
  }

  write(bytes: string | Buffer): void {
    this.socket.write(bytes);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  async waitFor(pred: (data: string) => boolean, timeoutMs = WAIT_MS, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred(this.data)) {
      const left = deadline - Date.now();
      if (left <= 0 || this.closed) {
        if (pred(this.data)) return;
        throw new Error(`timed out waiting for ${what}; received so far:\n${this.data}`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Complete AMI messages received so far (the greeting line counts as one). */
  messages(): Array<Record<string, string>> {
    let text = this.data;
    const out: Array<Record<string, string>> = [];
    if (text.startsWith('Asterisk Call Manager/')) {
      const nl = text.indexOf('\r\n');
      if (nl < 0) return out;
      out.push({ Greeting: text.slice(0, nl) });
      text = text.slice(nl + 2);
    }
    const blocks = text.split('\r\n\r\n');
    blocks.pop(); // the incomplete tail
    for (const block of blocks) {
      const msg: Record<string, string> = {};
      for (const line of block.split('\r\n')) {
        const c = line.indexOf(': ');
        const k = c < 0 ? line.replace(/:$/, '') : line.slice(0, c);
        if (!(k in msg)) msg[k] = c < 0 ? '' : line.slice(c + 2);
      }
      out.push(msg);
    }
    return out;
  }

  async waitMessages(n: number, timeoutMs = WAIT_MS): Promise<Array<Record<string, string>>> {
    await this.waitFor(() => this.messages().length >= n, timeoutMs, `${n} messages`);
    return this.messages();
  }

  /** Sends an action and resolves with the message that carries its ActionID (the response). */
  async action(headers: Record<string, string>): Promise<Record<string, string>> {
    const id = headers.ActionID ?? `a-${Math.random().toString(36).slice(2)}`;
    let text = '';
    for (const [k, v] of Object.entries({ ...headers, ActionID: id })) text += `${k}: ${v}\r\n`;
    this.write(`${text}\r\n`);
    await this.waitFor(() => this.messages().some((m) => m.ActionID === id && 'Response' in m), WAIT_MS, `answer to ${id}`);
    const found = this.messages().find((m) => m.ActionID === id && 'Response' in m);
    assert.ok(found);
    return found;
  }

  async login(user: string, secret: string, events?: string): Promise<Record<string, string>> {
    const h: Record<string, string> = { Action: 'Login', Username: user, Secret: secret };
    if (events !== undefined) h.Events = events;
    return this.action(h);
  }

  waitClosed(timeoutMs = WAIT_MS): Promise<void> {
    return Promise.race([
      this.closedP,
      new Promise<void>((_, reject) =>
        setTimeout(() => reject(new Error('connection was not closed')), timeoutMs).unref(),
      ),
    ]);
  }

  events(name: string): Array<Record<string, string>> {
    return this.messages().filter((m) => m.Event === name);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------------------------------------
// Transcript replay

/**
 * Values that depend on when and where the capture ran. Each is replaced only if it has the exact
 * shape Asterisk uses, so a wrongly formatted value still shows up as a difference.
 * LastPause/LoginTime of 0 are kept: "never paused" is not time-dependent.
 */
function normalise(s: string): string {
  return s
    .replace(/^(LoginTime|LastPause): [1-9][0-9]{9}\r$/gm, '$1: <epoch>\r')
    .replace(/^Timestamp: [0-9]{10}\.[0-9]{6}\r$/gm, 'Timestamp: <epoch.usec>\r')
    .replace(/^(Uptime|LastReload): [0-9]+\r$/gm, '$1: <seconds>\r')
    .replace(/^(EventTV|SessionTV): [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}\+0000\r$/gm, '$1: <tv>\r')
    .replace(/^SessionID: 0x[0-9a-f]+\r$/gm, 'SessionID: <ptr>\r')
    .replace(/^(LocalAddress|RemoteAddress): IPV4\/TCP\/127\.0\.0\.1\/[0-9]+\r$/gm, '$1: IPV4/TCP/127.0.0.1/<port>\r');
}

/** Greeting line + every blank-line-terminated message. */
function messageCount(s: string): number {
  const greeting = /^Asterisk Call Manager\/[^\r]*\r\n/.test(s) ? 1 : 0;
  return greeting + (s.match(/\r\n\r\n/g)?.length ?? 0);
}

/**
 * Replays the client side of a capture and checks that the simulator answers byte for byte what
 * Asterisk answered. `spontaneous` are run, in order, for each `<<<` chunk that does not follow a
 * `>>>` one (bytes Asterisk sent because of something outside the connection, e.g. CLI commands).
 */
export async function replay(sim: SimAsterisk, file: string, spontaneous: Array<() => void> = [], upTo?: number): Promise<void> {
  const chunks = readTranscript(join(FIXTURES, file)).slice(0, upTo);
  const c = await Raw.connect(sim.port);
  try {
    let expected = '';
    let hook = 0;
    for (const [i, chunk] of chunks.entries()) {
      if (chunk.dir === 'in') {
        c.write(chunk.bytes);
      } else if (chunk.dir === 'out') {
        if (i > 0 && chunks[i - 1]?.dir === 'out') {
          const run = spontaneous[hook++];
          assert.ok(run, `${file}: no trigger given for the spontaneous chunk "${chunk.marker}"`);
          run();
        }
        expected += chunk.bytes.toString('latin1');
        const want = messageCount(expected);
        await c.waitFor((d) => messageCount(d) >= want, WAIT_MS, `${file} ${chunk.marker}`);
        assert.equal(normalise(c.data), normalise(expected), `${file}: after ${chunk.marker}`);
      } else {
        assert.equal(chunk.by, 'asterisk');
        await c.waitClosed();
      }
    }
    assert.equal(hook, spontaneous.length, `${file}: unused triggers`);
    // Nothing more than what Asterisk sent.
    await sleep(20);
    assert.equal(normalise(c.data), normalise(rebuild(chunks, 'out').toString('latin1')));
  } finally {
    c.destroy();
  }
}

import { readFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { AgiHangupError } from '../../src/agi/errors.js';
import type { AgiSession } from '../../src/agi/session.js';

/** One chunk of a FastAGI capture (see test/fixtures/asterisk/README.md, "Transcript file format"). */
export interface AgiChunk {
  /** `asterisk`: bytes Asterisk sent; `server`: bytes the FastAGI server sent; `closed-*`: EOF. */
  dir: 'asterisk' | 'server' | 'closed-by-asterisk' | 'closed-by-server';
  t: number;
  bytes: Buffer;
}

export function agiFixturePath(name: string): string {
  return fileURLToPath(new URL(`../fixtures/asterisk/agi/${name}`, import.meta.url));
}

const MARKER = /^(<<<|>>>|---) (.*)\n/gm;

/** Reads a capture byte-exactly into its chunks. */
export function readAgiTranscript(name: string): AgiChunk[] {
  const text = readFileSync(agiFixturePath(name)).toString('latin1');
  const marks = [...text.matchAll(MARKER)];
  return marks.map((m, i) => {
    const start = (m.index ?? 0) + m[0].length;
    const end = marks[i + 1]?.index ?? text.length;
    const what = m[2] ?? '';
    const t = Number(/t=\+([\d.]+)s/.exec(what)?.[1] ?? 0);
    const dir: AgiChunk['dir'] =
      m[1] === '<<<' ? 'asterisk' : m[1] === '>>>' ? 'server' : what.startsWith('agi-server closed') ? 'closed-by-server' : 'closed-by-asterisk';
    return { dir, t, bytes: Buffer.from(text.slice(start, end), 'latin1') };
  });
}

/** The concatenated bytes of one direction. */
export function agiStream(chunks: AgiChunk[], dir: 'asterisk' | 'server'): Buffer {
  return Buffer.concat(chunks.filter((c) => c.dir === dir).map((c) => c.bytes));
}

/**
 * Plays Asterisk's side of a capture against a FastAGI server: sends each `<<<` chunk, then waits
 * for the server's next bytes and checks them against the `>>>` chunk, byte for byte; a final
 * `--- agi-server closed` expects the server to close. Rejects on the first difference.
 */
export function replayAgiTranscript(port: number, chunks: AgiChunk[], timeoutMs = 5000): Promise<{ written: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let received = Buffer.alloc(0);
    const written: Buffer[] = [];
    let step = 0;
    let ended = false;
    let finished = false;
    const finish = (err?: Error) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve({ written: Buffer.concat(written) });
    };
    const timer = setTimeout(() => finish(new Error(`replay stuck at chunk ${step}: received ${JSON.stringify(received.toString('latin1'))}`)), timeoutMs);
    const advance = () => {
      while (!finished && step < chunks.length) {
        const chunk = chunks[step] as AgiChunk;
        if (chunk.dir === 'asterisk') {
          socket.write(chunk.bytes);
        } else if (chunk.dir === 'server') {
          if (received.length < chunk.bytes.length && !ended) return;
          const got = received.subarray(0, chunk.bytes.length);
          if (!got.equals(chunk.bytes)) {
            finish(new Error(`chunk ${step}: expected ${JSON.stringify(chunk.bytes.toString('latin1'))}, got ${JSON.stringify(received.toString('latin1'))}`));
            return;
          }
          received = received.subarray(chunk.bytes.length);
        } else if (chunk.dir === 'closed-by-server') {
          if (!ended) return;
          if (received.length > 0) {
            finish(new Error(`server sent more than the capture: ${JSON.stringify(received.toString('latin1'))}`));
            return;
          }
        } else {
          socket.end();
        }
        step++;
      }
      if (step >= chunks.length) finish();
    };
    socket.on('data', (data: Buffer) => {
      written.push(data);
      received = Buffer.concat([received, data]);
      advance();
    });
    socket.on('end', () => {
      ended = true;
      advance();
    });
    socket.on('error', (err) => finish(err));
    socket.on('connect', advance);
  });
}

/**
 * The handler behind the captures (README "FastAGI captures"): `login` sends the fixed script,
 * carrying on past hangup errors as the capture server did, plus GET VARIABLE AGENT_RESULT and
 * VERBOSE when the caller hung up; `idle` answers and waits for the hangup; `env` asks for the
 * caller id; `missing` sends the missing-prompt script. Media commands whose `-1` the capture
 * server took as it came are sent raw here (the typed verbs would ask Asterisk what the `-1` meant).
 */
export async function captureScript(session: AgiSession): Promise<void> {
  const tolerant = async (step: () => Promise<unknown>) => {
    try {
      await step();
    } catch (err) {
      if (!(err instanceof AgiHangupError)) throw err;
    }
  };
  if (session.script === 'env') {
    await session.getVariable('CALLERID(num)');
    return;
  }
  if (session.script === 'missing') {
    await session.answer();
    await session.command('STREAM FILE', 'agentgate/no-such-prompt', '');
    await session.command('GET DATA', 'agentgate/no-such-prompt', '3000', '4');
    await session.command('STREAM FILE', 'beep', '');
    await session.command('GET DATA', 'beep', '3000', '4');
    await session.command('CONTROL STREAM FILE', 'agentgate/no-such-prompt', '');
    await session.exec('Playback', 'agentgate/no-such-prompt');
    await session.getVariable('PLAYBACKSTATUS');
    await session.verbose('still here', 1);
    await session.waitForHangup();
    return;
  }
  if (session.script === 'idle') {
    await session.answer();
    await session.waitForHangup();
    await session.getVariable('CALLERID(num)');
    await tolerant(() => session.streamFile('beep'));
    return;
  }
  await tolerant(() => session.answer());
  await tolerant(() => session.getVariable('CALLERID(num)'));
  await tolerant(() => session.command('GET DATA', 'beep', '5000', '4'));
  await tolerant(() => session.streamFile('agent-loginok'));
  await tolerant(() => session.sayDigits('1001'));
  await tolerant(() => session.setVariable('AGENT_RESULT', 'ok'));
  await tolerant(() => session.exec('Playback', 'beep'));
  if (session.hungUp) {
    await session.getVariable('AGENT_RESULT');
    await session.verbose('after hangup', 1);
  }
}

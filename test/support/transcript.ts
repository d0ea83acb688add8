import { readFileSync } from 'node:fs';

/**
 * One chunk of a capture under test/fixtures/asterisk/: `out` = bytes Asterisk sent, `in` = bytes
 * sent to Asterisk (by the AMI client or the FastAGI server), `close` = end of the connection
 * (`by` tells which side closed it).
 */
export interface TranscriptChunk {
  dir: 'in' | 'out' | 'close';
  bytes: Buffer;
  /** Seconds since the TCP connect, from the marker line. */
  t: number;
  /** For `close`: who closed the connection. */
  by?: 'asterisk' | 'peer';
  /** The marker line, without its LF. */
  marker: string;
}

const MARKER = /^(<<<|>>>|---) [^\n]*\n/gm;

/** Parses a transcript (see test/fixtures/asterisk/README.md): markers end in LF, chunk bytes are exact. */
export function parseTranscript(raw: Buffer): TranscriptChunk[] {
  const text = raw.toString('latin1'); // 1 char = 1 byte, so offsets map back to bytes exactly
  const chunks: TranscriptChunk[] = [];
  const markers = [...text.matchAll(MARKER)];
  if (markers.length === 0 || markers[0]?.index !== 0) throw new Error('transcript does not start with a marker line');
  markers.forEach((match, i) => {
    const start = (match.index ?? 0) + match[0].length;
    const end = markers[i + 1]?.index ?? text.length;
    const marker = match[0].slice(0, -1);
    const t = Number(/t=\+([0-9.]+)s/.exec(marker)?.[1] ?? 'NaN');
    const bytes = Buffer.from(text.slice(start, end), 'latin1');
    if (match[1] === '---') {
      chunks.push({ dir: 'close', bytes, t, by: marker.includes('closed by asterisk') ? 'asterisk' : 'peer', marker });
    } else {
      chunks.push({ dir: match[1] === '<<<' ? 'out' : 'in', bytes, t, marker });
    }
  });
  return chunks;
}

export function readTranscript(path: string): TranscriptChunk[] {
  return parseTranscript(readFileSync(path));
}

/** The raw byte stream of one direction: every chunk of that direction, concatenated. */
export function rebuild(chunks: readonly TranscriptChunk[], dir: 'in' | 'out'): Buffer {
  return Buffer.concat(chunks.filter((c) => c.dir === dir).map((c) => c.bytes));
}

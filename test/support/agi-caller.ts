import net from 'node:net';
import { DIGIT_PROMPTS, PROMPTS } from '../../src/agi/prompts.js';

/**
 * A simulated Asterisk for the FastAGI side: connects to our server, sends an `agi_*` block shaped
 * like the captures in test/fixtures/asterisk/agi/, then answers each command the way Asterisk
 * 22 does (dead-channel answers after a hangup included) and records what it was asked to do.
 */

/** One answer to GET DATA: the digits, a timeout (with the digits typed before it), or a hangup. */
export type DtmfAnswer = string | { timeout: true; digits?: string } | { hangup: true };

export interface AgiCallOptions {
  /** `agi_network_script`: path and query string, e.g. `login?queue=100`. */
  script: string;
  callerId?: string;
  callerIdName?: string;
  language?: string;
  channel?: string;
  extension?: string;
  context?: string;
  uniqueId?: string;
  /** agi_arg_1..n */
  args?: string[];
  /** Replaces any `agi_*` value in place (the order of the block stays that of the captures). */
  env?: Record<string, string>;
  /** Answers to GET DATA, in order; once used up, GET DATA times out. */
  dtmf?: DtmfAnswer[];
  /** Channel variables for GET VARIABLE (`CALLERID(num)` defaults to the caller id, `CHANNEL(language)` to the language). */
  variables?: Record<string, string>;
  /** After answering this many commands the caller hangs up (`HANGUP` sent while idle). */
  hangupAfter?: number;
  /** The caller hangs up while the n-th command (1-based) runs. */
  hangupDuring?: number;
  /** The connection is reset (RST, the server sees ECONNRESET) when the n-th command arrives. */
  resetDuring?: number;
  /**
   * Replaces the answer to the n-th command (1-based): return the text to send instead (lines
   * joined with `\n`, sent as is), or undefined to send the normal answer.
   */
  tamper?: (line: string, n: number, normal: string | undefined) => string | undefined;
  /** Prompt files this Asterisk does not have: answered as in missing-prompt.txt (channel still up). */
  missing?: string[];
  /** `endpos` reported by STREAM FILE (default 14080, as in the capture). */
  endpos?: number;
  /** How long the caller takes to type at each GET DATA (ms): the caller's own wait, not the server's. */
  typingMs?: () => number;
  /** GET DATA is answered only once this settles: the caller sits silent (idle sessions). */
  holdGetData?: Promise<unknown>;
  /** Connect from this address (e.g. 127.0.0.2, to test the allow list). */
  localAddress?: string;
  host?: string;
}

export interface AgiCallRecord {
  /** Every command line received, raw (without `\n`). */
  commands: string[];
  /** STREAM FILE files and GET DATA prompts, in order (a missing file is not played). */
  played: string[];
  /** Files asked for that this Asterisk does not have. */
  missingAsked: string[];
  /** SAY DIGITS arguments, in order. */
  digitsSaid: string[];
  /** Variables set with SET VARIABLE (last value wins). */
  variablesSet: Record<string, string>;
  /** VERBOSE messages. */
  verbose: string[];
  /** Whether the caller hung up (scripted hangup, or the server's HANGUP command). */
  hungUp: boolean;
  /** `server`: our server closed the connection; `reset`: the caller reset it; `error`: socket error. */
  closedBy: 'server' | 'reset' | 'error';
  error?: Error;
  /** All bytes the server sent. */
  received: string;
  /** Time the server took: from each of our writes to its next command (or its close), summed. */
  serviceMs: number;
  /** The same, turn by turn. */
  turnsMs: number[];
}

export interface AgiCall {
  socket: net.Socket;
  record: AgiCallRecord;
  /** Resolves (never rejects) when the connection is over. */
  done: Promise<AgiCallRecord>;
}

const DEAD = '511 Command Not Permitted on a dead channel or intercept routine';

/** Asterisk 22's answers for a file it cannot open (missing-prompt.txt): the same as a hangup's. */
export const MISSING_FILE = { streamFile: '200 result=-1 endpos=0', getData: '200 result=-1' } as const;

/** The `agi_*` block, same keys and order as the captures, ending with the blank line. */
export function agiEnvBlock(port: number, opts: AgiCallOptions): string {
  const channel = opts.channel ?? 'Local/s@dtmf-sender-00000000;1';
  const env: Array<[string, string]> = [
    ['agi_network', 'yes'],
    ['agi_network_script', opts.script],
    ['agi_request', `agi://${opts.host ?? '127.0.0.1'}:${port}/${opts.script}`],
    ['agi_channel', channel],
    ['agi_language', opts.language ?? 'en'],
    ['agi_type', channel.split('/')[0] ?? 'Local'],
    ['agi_uniqueid', opts.uniqueId ?? '1795530524.0'],
    ['agi_version', '22.10.1'],
    ['agi_callerid', opts.callerId ?? '2001'],
    ['agi_calleridname', opts.callerIdName ?? 'Agent'],
    ['agi_callingpres', '0'],
    ['agi_callingani2', '0'],
    ['agi_callington', '0'],
    ['agi_callingtns', '0'],
    ['agi_dnid', 'unknown'],
    ['agi_rdnis', 'unknown'],
    ['agi_context', opts.context ?? 'agents'],
    ['agi_extension', opts.extension ?? '*50'],
    ['agi_priority', '1'],
    ['agi_enhanced', '0.0'],
    ['agi_accountcode', ''],
    ['agi_threadid', '139628650636992'],
    ...(opts.args ?? []).map((a, i): [string, string] => [`agi_arg_${i + 1}`, a]),
  ];
  return `${env.map(([k, v]) => `${k}: ${opts.env?.[k] ?? v}\n`).join('')}\n`;
}

/** Splits a command line into words exactly as res_agi.c's parse_args does (quotes, backslashes). */
export function parseAgiLine(line: string): string[] {
  const argv: string[] = [];
  let quoted = false;
  let escaped = false;
  let whitespace = true;
  for (const ch of line) {
    if (ch === '"' && !escaped) {
      quoted = !quoted;
      if (quoted && whitespace) {
        argv.push('');
        whitespace = false;
      }
      continue;
    }
    if ((ch === ' ' || ch === '\t') && !quoted && !escaped) {
      whitespace = true;
      continue;
    }
    if (ch === '\\' && !escaped) {
      escaped = true;
      continue;
    }
    if (whitespace) {
      argv.push('');
      whitespace = false;
    }
    argv[argv.length - 1] += ch;
    escaped = false;
  }
  return argv;
}

export function startAgiCall(port: number, opts: AgiCallOptions): AgiCall {
  const record: AgiCallRecord = {
    commands: [],
    played: [],
    missingAsked: [],
    digitsSaid: [],
    variablesSet: {},
    verbose: [],
    hungUp: false,
    closedBy: 'server',
    received: '',
    serviceMs: 0,
    turnsMs: [],
  };
  let sentAt: number | undefined;
  const serverTurnEnds = () => {
    if (sentAt !== undefined) {
      record.serviceMs += performance.now() - sentAt;
      record.turnsMs.push(performance.now() - sentAt);
    }
    sentAt = undefined;
  };
  const vars: Record<string, string> = { 'CALLERID(num)': opts.callerId ?? '2001', 'CHANNEL(language)': opts.language ?? 'en', ...opts.variables };
  const dtmf = [...(opts.dtmf ?? [])];
  const socket = net.connect({ host: opts.host ?? '127.0.0.1', port, localAddress: opts.localAddress });
  let buffer = '';
  let answered = 0;
  let hangupAfterReply = false;

  const send = (...lines: string[]) => {
    if (socket.destroyed) return;
    socket.write(lines.map((l) => `${l}\n`).join(''));
    sentAt = performance.now();
  };
  const hangUp = () => {
    if (record.hungUp) return;
    record.hungUp = true;
    send('HANGUP');
  };

  const answer = (line: string, n: number): string | undefined => {
    const argv = parseAgiLine(line);
    const verb = [argv[0], argv[1]].map((w) => (w ?? '').toUpperCase());
    const media = (verb[0] === 'GET' && verb[1] === 'DATA') || (verb[0] === 'STREAM' && verb[1] === 'FILE');
    if (opts.hangupDuring === n) {
      hangUp();
      if (media) return '200 result=-1';
    }
    const dead = record.hungUp;
    const usage = (text: string) => `520-Invalid command syntax.  Proper usage follows:\n Usage: ${text}\n520 End of proper usage.`;
    switch (verb[0]) {
      case 'ANSWER':
        return dead ? DEAD : '200 result=0';
      case 'HANGUP':
        hangupAfterReply = true; // Asterisk answers, then notices the hangup and says so
        return '200 result=1';
      case 'VERBOSE':
        record.verbose.push(argv[1] ?? '');
        return '200 result=1';
      case 'EXEC':
        return argv.length < 2 ? usage('EXEC <application> <options>') : '200 result=0';
      case 'GET':
        if (verb[1] === 'DATA') {
          if (argv.length < 3 || argv.length > 5) return usage('GET DATA <file to be streamed> [timeout] [maxdigits]');
          if (dead) return DEAD;
          if (opts.missing?.includes(argv[2] ?? '')) {
            record.missingAsked.push(argv[2] ?? '');
            return MISSING_FILE.getData;
          }
          if (argv[2]) record.played.push(argv[2]);
          const next = dtmf.shift() ?? { timeout: true };
          if (typeof next === 'string') return `200 result=${next}`;
          if ('hangup' in next) {
            hangUp();
            return '200 result=-1';
          }
          return `200 result=${next.digits ?? ''} (timeout)`;
        }
        if (verb[1] === 'VARIABLE') {
          if (argv.length !== 3) return usage('GET VARIABLE <variablename>');
          const v = vars[argv[2] ?? ''];
          return v === undefined ? '200 result=0' : `200 result=1 (${v})`;
        }
        break;
      case 'STREAM':
        if (verb[1] !== 'FILE') break;
        if (argv.length < 4 || argv.length > 5) return usage('STREAM FILE <filename> <escape digits> [sample offset]');
        if (dead) return DEAD;
        if (opts.missing?.includes(argv[2] ?? '')) {
          record.missingAsked.push(argv[2] ?? '');
          return MISSING_FILE.streamFile;
        }
        record.played.push(argv[2] ?? '');
        return `200 result=0 endpos=${opts.endpos ?? 14080}`;
      case 'SAY':
        if (verb[1] !== 'DIGITS') break;
        if (argv.length !== 4) return usage('SAY DIGITS <number> <escape digits>');
        if (dead) return DEAD;
        record.digitsSaid.push(argv[2] ?? '');
        return '200 result=0';
      case 'SET':
        if (verb[1] !== 'VARIABLE') break;
        if (argv.length !== 4) return usage('SET VARIABLE <variablename> <value>');
        vars[argv[2] ?? ''] = argv[3] ?? '';
        record.variablesSet[argv[2] ?? ''] = argv[3] ?? '';
        return '200 result=1';
    }
    return '510 Invalid or unknown command';
  };

  const done = new Promise<AgiCallRecord>((resolve) => {
    const finish = () => resolve(record);
    socket.on('connect', () => {
      socket.write(agiEnvBlock(port, opts));
      sentAt = performance.now();
    });
    socket.on('data', (chunk: Buffer) => {
      record.received += chunk.toString('utf8');
      buffer += chunk.toString('utf8');
      for (let nl = buffer.indexOf('\n'); nl >= 0 && !socket.destroyed; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        serverTurnEnds();
        record.commands.push(line);
        const n = record.commands.length;
        if (opts.resetDuring === n) {
          record.closedBy = 'reset';
          socket.resetAndDestroy();
          return;
        }
        if ((opts.holdGetData || opts.typingMs) && /^GET DATA /i.test(line)) {
          const hold = opts.holdGetData ?? new Promise((r) => setTimeout(r, opts.typingMs?.() ?? 0));
          if (opts.holdGetData) opts = { ...opts, holdGetData: undefined };
          void hold.then(() => {
            const reply = answer(line, n);
            if (reply !== undefined) send(reply);
          });
          answered++;
          continue;
        }
        const normal = answer(line, n);
        const reply = opts.tamper?.(line, n, normal) ?? normal;
        if (reply !== undefined) send(reply);
        answered++;
        if (opts.hangupAfter === answered || hangupAfterReply) hangUp();
      }
    });
    socket.on('error', (err) => {
      if (record.closedBy !== 'reset') {
        record.closedBy = 'error';
        record.error = err;
      }
    });
    socket.on('end', () => socket.end());
    socket.on('close', () => {
      serverTurnEnds();
      finish();
    });
  });
  return { socket, record, done };
}

/** Places one simulated call; resolves with what the server did once it closes the connection. */
export function callAgi(port: number, opts: AgiCallOptions): Promise<AgiCallRecord> {
  return startAgiCall(port, opts).done;
}

/** The prompts that say a number digit by digit (`2002` → digit-2, digit-0, digit-0, digit-2). */
export function digitPrompts(number: string): string[] {
  return [...number].map((d) => PROMPTS[DIGIT_PROMPTS[Number(d)] ?? 'digit0']);
}

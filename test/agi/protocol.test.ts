import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import { describe, test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import {
  AgiArgumentError,
  AgiClosedError,
  AgiCommandError,
  AgiHangupError,
  AgiProtocolError,
  AgiTimeoutError,
} from '../../src/agi/errors.js';
import { type AgiEvent, AgiResponseReader, formatCommand, parseEnvLine } from '../../src/agi/protocol.js';
import { AgiSession, type AgiSessionOptions } from '../../src/agi/session.js';
import { agiEnvBlock, parseAgiLine } from '../support/agi-caller.js';
import { type AgiChunk, agiStream, captureScript, readAgiTranscript } from '../support/agi-transcript.js';

/** An in-memory socket: what the session writes is recorded, what the test feeds is read. */
function memoryLink() {
  const writes: string[] = [];
  const waiters: Array<() => void> = [];
  const duplex = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      writes.push(chunk.toString('latin1'));
      for (const w of waiters.splice(0)) w();
      cb();
    },
  });
  return {
    duplex,
    written: () => writes.join(''),
    feed: (s: string) => void duplex.push(Buffer.from(s, 'latin1')),
    /** Resolves once at least `n` characters were written in total. */
    async writtenAtLeast(n: number): Promise<string> {
      while (writes.join('').length < n) await new Promise<void>((r) => waiters.push(r));
      return writes.join('');
    },
  };
}

const ENV = agiEnvBlock(4573, { script: 'login' });

async function openSession(opts: AgiSessionOptions = {}, env = ENV) {
  const link = memoryLink();
  const accepting = AgiSession.accept(link.duplex, { envTimeoutMs: 1000, commandTimeoutMs: 1000, ...opts });
  link.feed(env);
  const session = await accepting;
  return { ...link, session };
}

/** Sends one command through `run` and answers it with `reply`; returns what was written. */
async function exchange<T>(reply: string, run: (s: AgiSession) => Promise<T>): Promise<{ value: T; line: string }> {
  const { session, feed, writtenAtLeast } = await openSession();
  const pending = run(session);
  const line = await writtenAtLeast(1);
  feed(reply);
  return { value: await pending, line };
}

/** Answers each command `run` sends, in order, with the next of `replies`; returns the lines written. */
async function dialogue<T>(replies: string[], run: (s: AgiSession) => Promise<T>): Promise<{ value: T; lines: string[] }> {
  const { session, feed, writtenAtLeast, written } = await openSession();
  const pending = run(session);
  let seen = 0;
  for (const reply of replies) {
    const all = await writtenAtLeast(seen + 1);
    const nl = all.indexOf('\n', seen);
    seen = nl < 0 ? all.length : nl + 1;
    feed(reply);
  }
  const value = await pending;
  return { value, lines: written().split('\n').filter((l) => l !== '') };
}

const DEAD = 'HANGUP\n511 Command Not Permitted on a dead channel or intercept routine\n';

function events(chunks: string[]): AgiEvent[] {
  const reader = new AgiResponseReader();
  return chunks.flatMap((c) => reader.push(Buffer.from(c, 'latin1')));
}

describe('parseEnvLine', () => {
  const cases: Array<[string, [string, string] | undefined]> = [
    ['agi_request: agi://127.0.0.1:4573/login', ['agi_request', 'agi://127.0.0.1:4573/login']],
    ['agi_accountcode: ', ['agi_accountcode', '']],
    ['agi_network_script: env?queue=support&agent=1001', ['agi_network_script', 'env?queue=support&agent=1001']],
    ['agi_arg_1: http://x:8080/a', ['agi_arg_1', 'http://x:8080/a']],
    ['agi_calleridname: Agent: Smith', ['agi_calleridname', 'Agent: Smith']],
    ['agi_channel: Local/s@dtmf-sender-00000000;1', ['agi_channel', 'Local/s@dtmf-sender-00000000;1']],
    ['not an env line', undefined],
  ];
  for (const [line, expected] of cases) {
    test(JSON.stringify(line), () => assert.deepEqual(parseEnvLine(line), expected));
  }
});

describe('environment block', () => {
  test('env-with-args.txt: keys as sent, script, query string, arguments', async () => {
    const env = readAgiTranscript('env-with-args.txt')[0]?.bytes.toString('latin1') ?? '';
    const { session } = await openSession({}, env);
    assert.equal(Object.keys(session.env).length, 24);
    assert.equal(session.env.agi_request, 'agi://127.0.0.1:4573/env?queue=support&agent=1001');
    assert.equal(session.env.agi_accountcode, '');
    assert.equal(session.env.agi_threadid, '139628651660992');
    assert.equal(session.script, 'env');
    assert.equal(session.params.get('queue'), 'support');
    assert.equal(session.params.get('agent'), '1001');
    assert.deepEqual(session.args, ['support', '1001']);
    assert.equal(session.callerId, '2001');
    assert.equal(session.language, 'en');
    assert.equal(session.channel, 'Local/s@dtmf-sender-00000002;1');
    assert.equal(session.hungUp, false);
  });

  test('a flag without value, arguments with ": " and URLs', async () => {
    const env = agiEnvBlock(4573, { script: 'login?queue=100&silent', language: 'pt_BR', args: ['http://x:8080/a', 'a: b'] });
    const { session } = await openSession({}, env);
    assert.equal(session.script, 'login');
    assert.equal(session.params.has('silent'), true);
    assert.equal(session.params.get('queue'), '100');
    assert.deepEqual(session.args, ['http://x:8080/a', 'a: b']);
    assert.equal(session.language, 'pt_BR');
  });

  test('the block split byte by byte', async () => {
    const link = memoryLink();
    const accepting = AgiSession.accept(link.duplex, { envTimeoutMs: 1000 });
    for (const ch of ENV) {
      link.feed(ch);
      await tick();
    }
    const session = await accepting;
    assert.equal(session.script, 'login');
    assert.equal(session.env.agi_accountcode, '');
  });

  test('no block within envTimeoutMs: AgiTimeoutError, socket destroyed', async () => {
    const link = memoryLink();
    link.feed('agi_network: yes\n');
    await assert.rejects(AgiSession.accept(link.duplex, { envTimeoutMs: 30 }), AgiTimeoutError);
    assert.equal(link.duplex.destroyed, true);
  });

  test('connection closed before the block ends: AgiClosedError', async () => {
    const link = memoryLink();
    const accepting = AgiSession.accept(link.duplex, { envTimeoutMs: 1000 });
    link.feed('agi_network: yes\n');
    link.duplex.push(null);
    await assert.rejects(accepting, AgiClosedError);
  });
});

describe('response reader', () => {
  const ok = (result: string, extras: Record<string, string> = {}, data?: string): AgiEvent => ({
    type: 'response',
    response: data === undefined ? { code: 200, result, extras } : { code: 200, result, data, extras },
  });
  const cases: Array<[string, AgiEvent[]]> = [
    ['200 result=0 endpos=14080\n', [ok('0', { endpos: '14080' })]],
    ['200 result=1 (2001)\n', [ok('1', {}, '2001')]],
    ['200 result= (timeout)\n', [ok('', {}, 'timeout')]],
    ['200 result=12 (timeout)\n', [ok('12', {}, 'timeout')]],
    ['200 result=1001\n', [ok('1001')]],
    ['200 result=-1\n', [ok('-1')]],
    ['200 result=1 (a (b) c)\n', [ok('1', {}, 'a (b) c')]],
    ['200 result=1 (x) y)\n', [ok('1', {}, 'x) y')]],
    ['200 result=1 ()\n', [ok('1', {}, '')]],
    ['200 result=1 (speech) endpos=1234 results=foo bar\n', [ok('1', { endpos: '1234', results: 'foo bar' }, 'speech')]],
    ['200 result=0\r\n', [ok('0')]],
    ['HANGUP\n', [{ type: 'hangup' }]],
  ];
  for (const [input, expected] of cases) {
    test(JSON.stringify(input), () => assert.deepEqual(events([input]), expected));
  }

  const failures: Array<[string, new (...a: never[]) => Error, number, RegExp]> = [
    ['510 Invalid or unknown command\n', AgiCommandError, 510, /^Invalid or unknown command$/],
    ['511 Command Not Permitted on a dead channel or intercept routine\n', AgiHangupError, 511, /dead channel/],
    ['511 Command Not Permitted on a dead channel\n', AgiHangupError, 511, /dead channel/],
    [
      '520-Invalid command syntax.  Proper usage follows:\n Usage: GET DATA <file to be streamed> [timeout] [maxdigits]\n  Stream the given file.\n520 End of proper usage.\n',
      AgiCommandError,
      520,
      /^Invalid command syntax\. {2}Proper usage follows:\n Usage: GET DATA <file to be streamed> \[timeout\] \[maxdigits\]\n {2}Stream the given file\.\nEnd of proper usage\.$/,
    ],
    ['520-Invalid command syntax.  Proper usage follows:\nAnswers channel.520 End of proper usage.\n', AgiCommandError, 520, /Answers channel\.\nEnd of proper usage\.$/],
    ['520 Invalid command syntax.  Proper usage not available.\n', AgiCommandError, 520, /not available/],
  ];
  for (const [input, type, code, text] of failures) {
    test(JSON.stringify(input.slice(0, 40)), () => {
      const [event, ...rest] = events([input]);
      assert.equal(rest.length, 0);
      assert.equal(event?.type, 'failure');
      const error = event.type === 'failure' ? event.error : undefined;
      assert.ok(error instanceof type, String(error));
      assert.equal((error as AgiHangupError | AgiCommandError).code, code);
      assert.match(error instanceof AgiCommandError ? error.text : error.message, text);
    });
  }

  test('a line that is not FastAGI is a protocol error', () => {
    const [event] = events(['Asterisk Call Manager/11.0.0\n']);
    assert.ok(event?.type === 'failure' && event.error instanceof AgiProtocolError);
  });

  test('HANGUP then 511 in one chunk (hangup-midway.txt)', () => {
    const got = events(['HANGUP\n511 Command Not Permitted on a dead channel or intercept routine\n']);
    assert.equal(got.length, 2);
    assert.deepEqual(got[0], { type: 'hangup' });
    assert.ok(got[1]?.type === 'failure' && got[1].error instanceof AgiHangupError);
  });

  for (const name of ['login-session.txt', 'hangup-midway.txt', 'hangup-while-idle.txt']) {
    test(`${name}: byte by byte, in one chunk, or as captured: the same events`, () => {
      const chunks = readAgiTranscript(name).filter((c) => c.dir === 'asterisk').slice(1);
      const all = Buffer.concat(chunks.map((c) => c.bytes)).toString('latin1');
      const asCaptured = events(chunks.map((c) => c.bytes.toString('latin1')));
      assert.deepEqual(events([...all]), asCaptured);
      assert.deepEqual(events([all]), asCaptured);
      assert.equal(asCaptured.length, all.split('\n').filter(Boolean).length);
    });
  }
});

describe('formatCommand', () => {
  const cases: Array<[string, string[], string]> = [
    ['ANSWER', [], 'ANSWER'],
    ['GET DATA', ['beep', '5000', '4'], 'GET DATA beep 5000 4'],
    ['STREAM FILE', ['agent-loginok', ''], 'STREAM FILE agent-loginok ""'],
    ['SET VARIABLE', ['AGENT_RESULT', 'ok'], 'SET VARIABLE AGENT_RESULT ok'],
    ['VERBOSE', ['after hangup', '1'], 'VERBOSE "after hangup" 1'],
    ['SET VARIABLE', ['NAME', 'Bob "the" Builder'], 'SET VARIABLE NAME "Bob \\"the\\" Builder"'],
    ['SET VARIABLE', ['P', 'C:\\dir'], 'SET VARIABLE P "C:\\\\dir"'],
    ['SET VARIABLE', ['T', 'a\tb'], 'SET VARIABLE T "a\tb"'],
    ['GET VARIABLE', ['CALLERID(num)'], 'GET VARIABLE CALLERID(num)'],
  ];
  for (const [verb, args, line] of cases) {
    test(line, () => assert.equal(formatCommand(verb, args), line));
  }

  test("Asterisk's parse_args reads back exactly the arguments given", () => {
    const values = ['', ' ', 'a b', '"', '""', '\\', '\\"', 'a\\', 'x"y z', 'é ü', '  lead', 'trail  ', '\t', 'Bob "the" \\ Builder'];
    for (const v of values) {
      assert.deepEqual(parseAgiLine(formatCommand('SET VARIABLE', ['X', v, 'after'])), ['SET', 'VARIABLE', 'X', v, 'after'], JSON.stringify(v));
    }
  });

  for (const bad of ['\r', '\n', '\0']) {
    test(`refuses ${JSON.stringify(bad)} in an argument, naming it`, () => {
      assert.throws(() => formatCommand('SET VARIABLE', ['X', `Bob${bad}HANGUP`]), (err: unknown) => {
        assert.ok(err instanceof AgiArgumentError);
        assert.equal(err.argument, 'argument 2');
        assert.match(err.message, /argument 2/);
        return true;
      });
      assert.throws(() => formatCommand(`VERBOSE${bad}`, []), AgiArgumentError);
    });
  }
});

describe('session', () => {
  test('the injection guard: nothing is written', async () => {
    const { session, written } = await openSession();
    await assert.rejects(session.setVariable('X', 'Bob"\nHANGUP'), AgiArgumentError);
    await assert.rejects(session.command('EXEC', 'Playback', 'beep\r'), AgiArgumentError);
    await assert.rejects(session.getData('beep', -1, 4), AgiArgumentError);
    await tick();
    assert.equal(written(), '');
    assert.equal(session.closed, false);
  });

  test('typed verbs and their answers', async () => {
    assert.deepEqual((await exchange('200 result=1001\n', (s) => s.getData('beep', 5000, 4))).value, { digits: '1001', timedOut: false });
    assert.deepEqual((await exchange('200 result= (timeout)\n', (s) => s.getData('beep', 5000, 4))).value, { digits: '', timedOut: true });
    assert.deepEqual((await exchange('200 result=0 endpos=14080\n', (s) => s.streamFile('agent-loginok'))).value, { digit: '', endpos: 14080 });
    assert.deepEqual((await exchange('200 result=35 endpos=100\n', (s) => s.streamFile('x', '#'))).value, { digit: '#', endpos: 100 });
    assert.equal((await exchange('200 result=1 (2001)\n', (s) => s.getVariable('CALLERID(num)'))).value, '2001');
    assert.equal((await exchange('200 result=0\n', (s) => s.getVariable('NOPE'))).value, undefined);
    assert.equal((await exchange('200 result=-2\n', (s) => s.exec('NoSuchApp'))).value, -2);
    const r = await exchange('200 result=1\n', (s) => s.verbose('after hangup', 1));
    assert.equal(r.line, 'VERBOSE "after hangup" 1\n');
    // -1 and then a dead channel (the answers of hangup-midway.txt): a hangup
    await assert.rejects(dialogue(['200 result=-1\n', DEAD], (s) => s.getData('beep', 5000, 4)), AgiHangupError);
    await assert.rejects(dialogue(['200 result=-1 endpos=0\n', DEAD], (s) => s.streamFile('beep')), AgiHangupError);
    await assert.rejects(dialogue(['200 result=-1\n', DEAD], (s) => s.sayDigits('1001')), AgiHangupError);
    await assert.rejects(exchange('511 Command Not Permitted on a dead channel or intercept routine\n', (s) => s.answer()), AgiHangupError);
    await exchange('511 Command Not Permitted on a dead channel or intercept routine\n', (s) => s.hangup()); // already gone: fine
  });

  test('-1 on a live channel is a missing file (missing-prompt.txt): named in the log, and the call goes on', async () => {
    const played = await dialogue(['200 result=-1 endpos=0\n', '200 result=0\n'], (s) => s.streamFile('agentgate/no-such-prompt'));
    assert.deepEqual(played.value, { digit: '', endpos: 0, missing: true });
    assert.deepEqual(played.lines, ['STREAM FILE agentgate/no-such-prompt ""', 'ANSWER']);
    // a missing question still collects the digits, after Asterisk's beep
    const asked = await dialogue(['200 result=-1\n', '200 result=0\n', '200 result=1001\n'], (s) => s.getData('agentgate/no-such-prompt', 3000, 4));
    assert.deepEqual(asked.value, { digits: '1001', timedOut: false });
    assert.deepEqual(asked.lines, ['GET DATA agentgate/no-such-prompt 3000 4', 'ANSWER', 'GET DATA beep 3000 4']);
    // and without the beep too, with no prompt at all
    const bare = await dialogue(['200 result=-1\n', '200 result=0\n', '200 result=-1\n', '200 result=0\n', '200 result= (timeout)\n'], (s) => s.getData('agentgate/no-such-prompt', 3000, 4));
    assert.deepEqual(bare.value, { digits: '', timedOut: true });
    assert.deepEqual(bare.lines.slice(2), ['GET DATA beep 3000 4', 'ANSWER', 'GET DATA "" 3000 4']);
  });

  test('510 and 520 reject with AgiCommandError; the session goes on', async () => {
    const { session, feed, writtenAtLeast } = await openSession();
    const a = session.command('FOO');
    const b = session.command('GET DATA');
    const c = session.command('ANSWER');
    await writtenAtLeast('FOO\n'.length);
    feed('510 Invalid or unknown command\n520-Invalid command syntax.  Proper usage follows:\n');
    await writtenAtLeast('FOO\nGET DATA\n'.length);
    feed(' Usage: GET DATA <file to be streamed> [timeout] [maxdigits]\n520 End of proper usage.\n200 result=0\n');
    await assert.rejects(a, (e: unknown) => e instanceof AgiCommandError && e.code === 510 && e.command === 'FOO');
    await assert.rejects(b, (e: unknown) => e instanceof AgiCommandError && e.code === 520 && /Usage: GET DATA/.test(e.text));
    assert.deepEqual(await c, { code: 200, result: '0', extras: {} });
  });

  test('HANGUP before a reply, then 511: hungUp, AgiHangupError; SET VARIABLE still answered', async () => {
    const { session, feed, writtenAtLeast } = await openSession();
    const play = session.streamFile('agent-loginok');
    await writtenAtLeast(1);
    feed('HANGUP\n511 Command Not Permitted on a dead channel or intercept routine\n');
    await assert.rejects(play, AgiHangupError);
    assert.equal(session.hungUp, true);
    await session.waitForHangup();
    const set = session.setVariable('AGENT_RESULT', 'ok');
    const all = await writtenAtLeast('STREAM FILE agent-loginok ""\nSET VARIABLE AGENT_RESULT ok\n'.length);
    assert.equal(all, 'STREAM FILE agent-loginok ""\nSET VARIABLE AGENT_RESULT ok\n');
    feed('200 result=1\n');
    await set;
  });

  test('commands are serialised: the second is written after the first is answered', async () => {
    const { session, feed, written, writtenAtLeast } = await openSession();
    const first = session.getVariable('A');
    const second = session.getVariable('B');
    await writtenAtLeast(1);
    await tick();
    assert.equal(written(), 'GET VARIABLE A\n');
    feed('200 result=1 (first)\n');
    await writtenAtLeast('GET VARIABLE A\nGET VARIABLE B\n'.length);
    feed('200 result=1 (second)\n');
    assert.deepEqual(await Promise.all([first, second]), ['first', 'second']);
  });

  test('several answers in one chunk, byte-split answers', async () => {
    const { session, feed, writtenAtLeast } = await openSession();
    const p = [session.getVariable('A'), session.getVariable('B'), session.getVariable('C')];
    await writtenAtLeast(1);
    for (const ch of '200 result=1 (a)\n') {
      feed(ch);
      await tick();
    }
    await writtenAtLeast('GET VARIABLE A\nGET VARIABLE B\n'.length);
    feed('200 result=1 (b)\n200 result=1 (c)\n'); // one answer early: still matched in order
    assert.deepEqual(await Promise.all(p), ['a', 'b', 'c']);
  });

  test('a command timeout rejects with AgiTimeoutError and closes the session', async () => {
    const { session, duplex } = await openSession({ commandTimeoutMs: 30 });
    const slow = session.answer();
    const queued = session.getVariable('X');
    await assert.rejects(slow, AgiTimeoutError);
    await assert.rejects(queued, AgiClosedError);
    await assert.rejects(session.answer(), AgiClosedError);
    assert.equal(session.closed, true);
    assert.equal(duplex.destroyed, true);
  });

  test('close while a command is pending rejects it, and the queued ones', async () => {
    const { session, writtenAtLeast, duplex } = await openSession();
    const pending = session.getData('beep', 5000, 4);
    const queued = session.setVariable('X', '1');
    await writtenAtLeast(1);
    duplex.push(null); // Asterisk closes
    await assert.rejects(pending, AgiClosedError);
    await assert.rejects(queued, AgiClosedError);
    await session.waitForHangup();
  });

  test('a socket error (ECONNRESET) rejects pending commands, never throws', async () => {
    const { session, writtenAtLeast, duplex } = await openSession();
    const pending = session.answer();
    await writtenAtLeast(1);
    duplex.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    await assert.rejects(pending, (e: unknown) => e instanceof AgiClosedError && /ECONNRESET/.test(e.message));
  });

  test('an answer with no command pending closes the session', async () => {
    const { session, feed } = await openSession();
    feed('200 result=0\n');
    await tick();
    assert.equal(session.closed, true);
  });

  test('close() ends the socket', async () => {
    const { session, duplex } = await openSession();
    const closing = session.close();
    assert.equal(duplex.writableEnded, true);
    duplex.push(null);
    await closing;
    await assert.rejects(session.answer(), AgiClosedError);
  });
});

/** Plays a capture against captureScript over an in-memory socket, byte by byte if asked. */
async function replayInMemory(chunks: AgiChunk[], byteByByte: boolean): Promise<void> {
  const link = memoryLink();
  const accepting = AgiSession.accept(link.duplex, { envTimeoutMs: 1000, commandTimeoutMs: 1000 });
  let handled: Promise<void> | undefined;
  let session: AgiSession | undefined;
  let seen = 0;
  for (const chunk of chunks) {
    const text = chunk.bytes.toString('latin1');
    if (chunk.dir === 'asterisk') {
      for (const piece of byteByByte ? [...text] : [text]) {
        link.feed(piece);
        await tick();
      }
      if (!session) {
        session = await accepting;
        handled = captureScript(session);
      }
    } else if (chunk.dir === 'server') {
      const all = await link.writtenAtLeast(seen + text.length);
      assert.equal(all.slice(seen, seen + text.length), text);
      seen += text.length;
    } else {
      await handled;
      await tick();
      assert.equal(link.written().length, seen, 'nothing more written');
    }
  }
}

describe('captures replayed over an in-memory socket', () => {
  for (const name of ['login-session.txt', 'hangup-midway.txt', 'hangup-while-idle.txt', 'env-with-args.txt']) {
    for (const byteByByte of [false, true]) {
      test(`${name}${byteByByte ? ', byte by byte' : ''}`, async () => {
        const chunks = readAgiTranscript(name);
        await replayInMemory(chunks, byteByByte);
        assert.ok(agiStream(chunks, 'server').length > 0);
      });
    }
  }
});

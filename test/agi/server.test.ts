import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { AgiClosedError, AgiHangupError } from '../../src/agi/errors.js';
import { type AgiHandler, type AgiServer, type AgiServerOptions, createAgiServer, plainAddress } from '../../src/agi/server.js';
import { MISSING_FILE, callAgi, startAgiCall } from '../support/agi-caller.js';
import { type AgiChunk, captureScript, readAgiTranscript, replayAgiTranscript } from '../support/agi-transcript.js';

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

const WARN = 40;
const servers: AgiServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close(0)));
});

async function startServer(handler: AgiHandler, opts: Partial<AgiServerOptions> = {}) {
  const logs: LogLine[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void logs.push(JSON.parse(s) as LogLine) });
  const allow = new net.BlockList();
  allow.addAddress('127.0.0.1');
  const server = createAgiServer({
    host: '127.0.0.1',
    port: 0,
    allow,
    maxSessions: 50,
    envTimeoutMs: 2000,
    commandTimeoutMs: 2000,
    sessionTimeoutMs: 10_000,
    logger,
    handler,
    ...opts,
  });
  servers.push(server);
  const port = await server.listen();
  return { server, port, logs };
}

/** Resolves when `predicate` holds (polled); the tests never assert on timing. */
async function until(predicate: () => boolean): Promise<void> {
  while (!predicate()) await sleep(5);
}

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A raw connection that sends nothing; resolves when the server closes it. */
function silentConnection(port: number, localAddress?: string): Promise<{ received: number }> {
  return new Promise((resolve) => {
    let received = 0;
    const socket = net.connect({ host: '127.0.0.1', port, localAddress });
    socket.on('data', (d) => {
      received += d.length;
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve({ received }));
  });
}

const loginCommands = readAgiTranscript('login-session.txt')
  .filter((c) => c.dir === 'server')
  .map((c) => c.bytes.toString('latin1').replace(/\n$/, ''));

describe('captures replayed byte for byte against a real server', () => {
  for (const name of ['login-session.txt', 'hangup-midway.txt', 'hangup-while-idle.txt', 'env-with-args.txt', 'missing-prompt.txt']) {
    test(name, async () => {
      const { port, logs, server } = await startServer(captureScript);
      await replayAgiTranscript(port, readAgiTranscript(name));
      await until(() => server.activeSessions() === 0);
      assert.deepEqual(
        logs.filter((l) => l.level >= WARN),
        [],
      );
    });
  }
});

describe('a missing prompt file is not a hangup', () => {
  const missing = readAgiTranscript('missing-prompt.txt');
  const midway = readAgiTranscript('hangup-midway.txt');
  const answerTo = (chunks: AgiChunk[], command: string) => {
    const i = chunks.findIndex((c) => c.dir === 'server' && c.bytes.toString('latin1') === `${command}\n`);
    return chunks[i + 1]!;
  };

  test("the simulated Asterisk answers a missing file with the capture's bytes", () => {
    assert.equal(answerTo(missing, 'STREAM FILE agentgate/no-such-prompt ""').bytes.toString('latin1'), `${MISSING_FILE.streamFile}\n`);
    assert.equal(answerTo(missing, 'GET DATA agentgate/no-such-prompt 3000 4').bytes.toString('latin1'), `${MISSING_FILE.getData}\n`);
  });

  test('-1 then a live channel: a warning names the file, the flow goes on and the question still collects digits', async () => {
    const { port, logs } = await startServer(async (s) => {
      await s.answer();
      await s.streamFile('agentgate/no-such-prompt');
      const { digits } = await s.getData('agentgate/no-such-prompt', 3000, 4);
      await s.setVariable('GOT', digits);
    });
    const call = await callAgi(port, { script: 'missing', missing: ['agentgate/no-such-prompt'], dtmf: ['42'] });
    assert.deepEqual(call.commands, [
      'ANSWER',
      'STREAM FILE agentgate/no-such-prompt ""',
      'ANSWER',
      'GET DATA agentgate/no-such-prompt 3000 4',
      'ANSWER',
      'GET DATA beep 3000 4',
      'SET VARIABLE GOT 42',
    ]);
    assert.deepEqual(call.played, ['beep']);
    const warnings = logs.filter((l) => l.level === WARN);
    assert.deepEqual(warnings.map((l) => l.file), ['agentgate/no-such-prompt', 'agentgate/no-such-prompt']);
    assert.ok(warnings.every((l) => /prompt file missing/.test(l.msg)));
  });

  test("-1 then a dead channel (hangup-midway's bytes, in its order): a hangup, nothing logged as missing", async () => {
    let thrown: unknown;
    const { port, logs } = await startServer(async (s) => {
      await s.answer();
      await s.getData('beep', 5000, 4).catch((err: unknown) => {
        thrown = err;
      });
    });
    const env = midway.slice(0, midway.findIndex((c) => c.dir === 'server'));
    const chunk = (dir: AgiChunk['dir'], text: string): AgiChunk => ({ dir, t: 0, bytes: Buffer.from(text, 'latin1') });
    await replayAgiTranscript(port, [
      ...env,
      chunk('server', 'ANSWER\n'),
      answerTo(midway, 'ANSWER'),
      chunk('server', 'GET DATA beep 5000 4\n'),
      answerTo(midway, 'GET DATA beep 5000 4'), // 200 result=-1
      chunk('server', 'ANSWER\n'),
      answerTo(midway, 'STREAM FILE agent-loginok ""'), // HANGUP, then 511 for a live-channel command
      chunk('closed-by-server', ''),
    ]);
    assert.ok(thrown instanceof AgiHangupError);
    assert.deepEqual(logs.filter((l) => l.level >= WARN), []);
  });
});

describe('simulated calls', () => {
  test('the login script: commands as in the capture, what the caller heard and was told', async () => {
    const { port } = await startServer(captureScript);
    const call = await callAgi(port, { script: 'login', dtmf: ['1001'] });
    assert.deepEqual(call.commands, loginCommands);
    assert.deepEqual(call.played, ['beep', 'agent-loginok']);
    assert.deepEqual(call.digitsSaid, ['1001']);
    assert.deepEqual(call.variablesSet, { AGENT_RESULT: 'ok' });
    assert.equal(call.hungUp, false);
    assert.equal(call.closedBy, 'server');
  });

  test('a hangup during GET DATA: refused media, variables still set (hangup-midway)', async () => {
    const { port } = await startServer(captureScript);
    const call = await callAgi(port, { script: 'login', dtmf: [{ hangup: true }] });
    assert.deepEqual(call.commands, [...loginCommands, 'GET VARIABLE AGENT_RESULT', 'VERBOSE "after hangup" 1']);
    assert.deepEqual(call.played, ['beep']);
    assert.deepEqual(call.digitsSaid, []);
    assert.deepEqual(call.variablesSet, { AGENT_RESULT: 'ok' });
    assert.deepEqual(call.verbose, ['after hangup']);
    assert.equal(call.hungUp, true);
  });

  test('env, query string, arguments and the per-session logger reach the handler', async () => {
    let seen: Record<string, unknown> = {};
    const { port, logs } = await startServer(async (s, log) => {
      seen = { script: s.script, silent: s.params.has('silent'), queue: s.params.get('queue'), args: s.args, callerId: s.callerId, language: s.language, channel: s.channel };
      log.info('flow ran');
      await s.answer();
    });
    await callAgi(port, { script: 'login?queue=100&silent', callerId: '2002', language: 'pt_BR', channel: 'PJSIP/2002-00000001', args: ['a b', 'c'] });
    assert.deepEqual(seen, { script: 'login', silent: true, queue: '100', args: ['a b', 'c'], callerId: '2002', language: 'pt_BR', channel: 'PJSIP/2002-00000001' });
    const line = logs.find((l) => l.msg === 'flow ran');
    assert.equal(line?.channel, 'PJSIP/2002-00000001');
    assert.equal(line?.script, 'login');
  });

  test('a handler that throws: logged with channel and script, connection closed', async () => {
    const { port, logs } = await startServer(async (s) => {
      await s.answer();
      throw new Error('flow bug');
    });
    const call = await callAgi(port, { script: 'pause' });
    assert.deepEqual(call.commands, ['ANSWER']);
    assert.equal(call.closedBy, 'server');
    const line = logs.find((l) => l.msg === 'FastAGI flow failed');
    assert.equal(line?.script, 'pause');
    assert.equal(line?.channel, 'Local/s@dtmf-sender-00000000;1');
    assert.equal((line?.err as { message?: string } | undefined)?.message, 'flow bug');
  });

  test('a hangup while idle: the handler sees it and can still set variables', async () => {
    const { port } = await startServer(async (s) => {
      await s.answer();
      await s.waitForHangup();
      await assert.rejects(s.streamFile('beep'), AgiHangupError);
      await s.setVariable('AGENT_RESULT', 'hungup');
    });
    const call = await callAgi(port, { script: 'login', hangupAfter: 1 });
    assert.deepEqual(call.commands, ['ANSWER', 'STREAM FILE beep ""', 'SET VARIABLE AGENT_RESULT hungup']);
    assert.deepEqual(call.variablesSet, { AGENT_RESULT: 'hungup' });
  });
});

describe('access, limits and failures', () => {
  test('plainAddress: IPv4-mapped IPv6 is checked as IPv4', () => {
    assert.equal(plainAddress('::ffff:127.0.0.1'), '127.0.0.1');
    assert.equal(plainAddress('::FFFF:10.0.0.2'), '10.0.0.2');
    assert.equal(plainAddress('::1'), '::1');
    assert.equal(plainAddress('127.0.0.1'), '127.0.0.1');
    assert.equal(plainAddress(undefined), undefined);
  });

  test('an address not in the allow list is dropped before the environment is read', { timeout: 5000 }, async () => {
    let called = false;
    const { port, logs, server } = await startServer(
      async () => {
        called = true;
      },
      { envTimeoutMs: 60_000 },
    );
    const { received } = await silentConnection(port, '127.0.0.2'); // would wait 60 s for the env if read
    assert.equal(received, 0);
    const call = await callAgi(port, { script: 'login', localAddress: '127.0.0.2' });
    assert.deepEqual(call.commands, []);
    assert.equal(called, false);
    assert.equal(server.activeSessions(), 0);
    const refused = logs.filter((l) => l.level === WARN && /not allowed/.test(l.msg));
    assert.equal(refused.length, 2);
    assert.equal(refused[0]?.address, '127.0.0.2');
  });

  test('a dual-stack listener checks ::ffff:127.0.0.1 as 127.0.0.1', async (t) => {
    let started: Awaited<ReturnType<typeof startServer>>;
    try {
      started = await startServer(async (s) => s.answer(), { host: '::' });
    } catch {
      t.skip('no IPv6 on this machine');
      return;
    }
    const call = await callAgi(started.port, { script: 'login' });
    assert.deepEqual(call.commands, ['ANSWER']);
  });

  test('the session cap: connections beyond maxSessions are closed at once', async () => {
    const gate = deferred();
    const { port, server, logs } = await startServer(
      async (s) => {
        await s.answer();
        await gate.promise;
        await s.setVariable('DONE', '1');
      },
      { maxSessions: 2 },
    );
    const first = startAgiCall(port, { script: 'login' });
    const second = startAgiCall(port, { script: 'login' });
    await until(() => first.record.commands.length === 1 && second.record.commands.length === 1);
    assert.equal(server.activeSessions(), 2);
    const third = await callAgi(port, { script: 'login' });
    assert.deepEqual(third.commands, []);
    assert.ok(logs.some((l) => l.level === WARN && /too many sessions/.test(l.msg)));
    gate.resolve();
    for (const call of [await first.done, await second.done]) assert.deepEqual(call.variablesSet, { DONE: '1' });
    await until(() => server.activeSessions() === 0);
    const fourth = await callAgi(port, { script: 'login' });
    assert.deepEqual(fourth.commands, ['ANSWER', 'SET VARIABLE DONE 1']);
  });

  test('ECONNRESET mid-command: the handler gets an error, the process lives on', async () => {
    const failed = deferred<unknown>();
    const { port, server } = await startServer(async (s) => {
      await s.answer();
      try {
        await s.getData('beep', 5000, 4);
      } catch (err) {
        failed.resolve(err);
        throw err;
      }
    });
    const call = await callAgi(port, { script: 'login', resetDuring: 2 });
    assert.equal(call.closedBy, 'reset');
    assert.deepEqual(call.commands, ['ANSWER', 'GET DATA beep 5000 4']);
    assert.ok((await failed.promise) instanceof AgiClosedError);
    await until(() => server.activeSessions() === 0);
    assert.deepEqual((await callAgi(port, { script: 'login' })).commands, ['ANSWER', 'GET DATA beep 5000 4']);
  });

  test('no environment within envTimeoutMs: the connection is closed', async () => {
    const { port, logs } = await startServer(async () => {}, { envTimeoutMs: 50 });
    await silentConnection(port);
    assert.ok(logs.some((l) => l.level === WARN && /without an AGI environment/.test(l.msg)));
  });

  test('the session timeout closes a session that runs too long', async () => {
    const failed = deferred<unknown>();
    const { port, server } = await startServer(
      async (s) => {
        await s.answer();
        await s.waitForHangup(); // never comes: the timeout closes the connection
        await s.verbose('too late').catch((err: unknown) => failed.resolve(err));
      },
      { sessionTimeoutMs: 100 },
    );
    const call = await callAgi(port, { script: 'login' });
    assert.deepEqual(call.commands, ['ANSWER']);
    assert.ok((await failed.promise) instanceof AgiClosedError);
    await until(() => server.activeSessions() === 0);
  });

  test('a handler stuck outside AGI does not hold its slot past the session timeout', async () => {
    const { port, server } = await startServer(
      async (s) => {
        await s.answer();
        await new Promise(() => {}); // e.g. a database call that never returns
      },
      { sessionTimeoutMs: 100, maxSessions: 1 },
    );
    await callAgi(port, { script: 'login' });
    await until(() => server.activeSessions() === 0);
    assert.deepEqual((await callAgi(port, { script: 'login' })).commands, ['ANSWER']);
  });
});

describe('close(grace)', () => {
  test('waits for a running session, then refuses new connections', async () => {
    const started = deferred();
    const { port, server } = await startServer(async (s) => {
      await s.answer();
      started.resolve();
      await sleep(100);
      await s.setVariable('DONE', '1');
    });
    const call = startAgiCall(port, { script: 'login' });
    await started.promise;
    await server.close(10_000);
    const record = await call.done;
    assert.deepEqual(record.variablesSet, { DONE: '1' });
    assert.equal(record.closedBy, 'server');
    assert.equal(server.activeSessions(), 0);
    const refused = await callAgi(port, { script: 'login' });
    assert.equal(refused.closedBy, 'error');
    assert.equal((refused.error as NodeJS.ErrnoException | undefined)?.code, 'ECONNREFUSED');
  });

  test('drops sessions still running after the grace period', async () => {
    const started = deferred();
    const failed = deferred<unknown>();
    const { port, server } = await startServer(async (s) => {
      await s.answer();
      started.resolve();
      await s.waitForHangup(); // resolves when the connection is dropped
      await s.verbose('still here?').catch((err: unknown) => failed.resolve(err));
    });
    const call = startAgiCall(port, { script: 'login' });
    await started.promise;
    await server.close(50);
    assert.ok((await failed.promise) instanceof AgiClosedError);
    const record = await call.done;
    assert.deepEqual(record.commands, ['ANSWER']);
    assert.equal(server.activeSessions(), 0);
  });
});

test('1,000 concurrent sessions all complete', { timeout: 120_000 }, async () => {
  const { port, server } = await startServer(
    async (s) => {
      await s.answer();
      const { digits } = await s.getData('agentgate/enter-agent', 5000, 4);
      await s.streamFile('agentgate/login-ok');
      await s.setVariable('AGENT', digits);
    },
    // on a loaded machine 1,000 sessions take their time: only completion is asserted, so no
    // command or session may time out first
    { maxSessions: 2000, logger: pino({ level: 'warn' }), envTimeoutMs: 120_000, commandTimeoutMs: 120_000, sessionTimeoutMs: 240_000 },
  );
  const calls = await Promise.all(
    Array.from({ length: 1000 }, (_, i) => callAgi(port, { script: 'login', dtmf: [String(1000 + i)] })),
  );
  calls.forEach((call, i) => {
    assert.equal(call.closedBy, 'server', String(call.error));
    assert.deepEqual(call.variablesSet, { AGENT: String(1000 + i) });
  });
  await until(() => server.activeSessions() === 0);
});

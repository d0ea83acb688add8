import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { parseAllowList } from '../../src/config.js';
import { handleCall } from '../../src/agi/flows/route.js';
import { PROMPTS } from '../../src/agi/prompts.js';
import { createAgiServer } from '../../src/agi/server.js';
import { type AgiCallRecord, callAgi, parseAgiLine } from '../support/agi-caller.js';
import { type Random, inContract, random } from '../support/fuzz.js';
import { type Harness, divergence, quietLog, startHarness } from '../support/harness.js';

let h: Harness;
let server: ReturnType<typeof createAgiServer>;
let port: number;
before(async () => {
  h = await startHarness();
  server = createAgiServer({
    host: '127.0.0.1',
    port: 0,
    allow: parseAllowList('127.0.0.1/32'),
    maxSessions: 5000,
    envTimeoutMs: 2000,
    commandTimeoutMs: 2000,
    sessionTimeoutMs: 30_000,
    logger: quietLog,
    handler: async (session, log) => {
      await handleCall(h.deps, session, log, { pinGuard: { maxFailures: 1_000_000, windowS: 60, lockoutS: 60 } });
    },
  });
  port = await server.listen();
});
after(async () => {
  await server.close(1000);
  await h.close();
});

const SESSIONS = Number(process.env.FUZZ_SESSIONS ?? 2000);
const PARALLEL = 32;
const SEED = Number(process.env.FUZZ_SEED ?? 20261125);

/** The AGI commands the contract lets agentgate use (CONTRACT §6). */
const VERBS = new Set(['ANSWER', 'GET DATA', 'STREAM FILE', 'SAY DIGITS', 'SET VARIABLE', 'GET VARIABLE', 'VERBOSE', 'HANGUP']);
const FILES = new Set<string>([...Object.values(PROMPTS), 'beep', '']);
const VARIABLES = new Set(['AGENTGATE_RESULT', 'AGENTGATE_MESSAGE', 'CHANNEL(language)']);

function script(r: Random): string {
  const name = r.pick(['login', 'login', 'pause', 'unpause', 'logoff', 'status', 'dance', '', 'login/x', '%', 'LOGIN']);
  const params = Array.from({ length: r.int(4) }, () =>
    r.pick([
      () => `agent=${r.pick(['1001', '1002', '1003', '1004', '9999', '', '10 01', '%FF'])}`,
      () => `queue=${r.pick(['support', '100', '300', 'nosuch', ''])}`,
      () => `reason=${r.pick(['1', 'Almoco', 'a%7Cb', 'x'.repeat(70), '%0D%0AAction: Logoff', '%00'])}`,
      () => 'silent',
      () => `${r.pick(['agent', 'queue', 'silent'])}=${r.pick(['', '&', '=='])}`,
    ])(),
  );
  return params.length ? `${name}?${params.join('&')}` : name;
}

/** Answers that Asterisk gives, or that a broken peer might: in place of the right one. */
function tampered(r: Random, rate: number): (line: string, n: number, normal: string | undefined) => string | undefined {
  return (_line, _n, normal) => {
    if (!r.chance(rate)) return undefined;
    return r.pick([
      () => '200 result=-1',
      () => '200 result=-1 endpos=0',
      () => '510 Invalid or unknown command',
      () => '511 Command Not Permitted on a dead channel or intercept routine',
      () => '520-Invalid command syntax.  Proper usage follows:\n Usage: whatever\n520 End of proper usage.',
      () => `HANGUP\n${normal ?? '200 result=0'}`,
      () => `200 result=${r.pick(['', '9', '12345678901234567890', 'abc', '1 (timeout)', '0 endpos=x'])}`,
      () => r.pick(['garbage', '999 what', '200', '200 result']),
      () => `200 result=${r.int(10)}${r.int(10)}${r.int(10)}${r.int(10)}`,
    ])();
  };
}

/** `clean`: Asterisk answered every command as it should, so the result variables must be there. */
function check(rec: AgiCallRecord, clean: boolean, what: string): void {
  for (const line of rec.commands) {
    assert.doesNotMatch(line, /[\r\0]/, `${what}: a clean line: ${JSON.stringify(line)}`);
    const argv = parseAgiLine(line);
    const verb = (argv[0] === 'GET' || argv[0] === 'STREAM' || argv[0] === 'SAY' || argv[0] === 'SET' ? `${argv[0]} ${argv[1]}` : argv[0]) ?? '';
    assert.ok(VERBS.has(verb), `${what}: a command of the contract: ${line}`);
    if (verb === 'GET DATA' || verb === 'STREAM FILE') assert.ok(FILES.has(argv[2] ?? ''), `${what}: a shipped prompt: ${line}`);
    if (verb === 'SET VARIABLE') assert.ok(VARIABLES.has(argv[2] ?? ''), `${what}: a documented variable: ${line}`);
  }
  const result = rec.variablesSet.AGENTGATE_RESULT;
  const message = rec.variablesSet.AGENTGATE_MESSAGE;
  if (clean) assert.ok(result !== undefined && message !== undefined, `${what}: both result variables are set`);
  if (result !== undefined) assert.ok(result === 'success' || result === 'error', `${what}: AGENTGATE_RESULT ${result}`);
  if (message !== undefined) assert.ok(inContract(message), `${what}: AGENTGATE_MESSAGE of the contract: ${message}`);
  if (result !== undefined && message !== undefined) {
    assert.equal(result === 'success', /OK$/.test(message), `${what}: result and message agree: ${result} ${message}`);
  }
}

test(`${SESSIONS} FastAGI sessions with hostile input and broken answers: every command and result inside the contract`, async () => {
  let next = 0;
  let finished = 0;
  const worker = async () => {
    while (next < SESSIONS) {
      const i = next++;
      const r = random(SEED + i);
      const what = `seed ${SEED + i}`;
      if (r.chance(0.03)) {
        await garbage(r); // not FastAGI at all: the server must just close
        continue;
      }
      const rate = r.pick([0, 0, 0.05, 0.2, 0.5]);
      const reset = r.chance(0.05) ? 1 + r.int(8) : undefined;
      const rec = await callAgi(port, {
        script: script(r),
        callerId: r.pick(['2001', '2002', '2003', '2004', '2009', '', 'unknown', '2001"x', '20 01']),
        language: r.pick(['pt_BR', 'en', 'es', '', 'en_US']),
        dtmf: Array.from({ length: r.int(6) }, () =>
          r.pick([() => r.pick(['1001', '1002', '1003', '1004', '1234', '100', '300', '1', '2', '', '4242', '9'.repeat(30)]), () => ({ timeout: true as const }), () => ({ hangup: true as const })])(),
        ),
        missing: r.chance(0.1) ? [r.pick(Object.values(PROMPTS))] : undefined,
        hangupDuring: r.chance(0.1) ? 1 + r.int(8) : undefined,
        resetDuring: reset,
        tamper: tampered(r, rate),
      });
      check(rec, rate === 0 && reset === undefined, `${what} (${JSON.stringify(rec.commands)})`);
      finished++;
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  assert.ok(finished > SESSIONS * 0.9);
  // whatever happened on the phones, the record and Asterisk still agree
  assert.deepEqual(await divergence(h.knex, h.sim), { onlyInAsterisk: [], onlyInDatabase: [] });
});

function garbage(r: Random): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('connect', () => {
      socket.write(r.pick([r.bytes(r.int(400)), Buffer.from('agi_network: yes\nagi_network_script: login\n'), Buffer.from('\n'.repeat(3))]));
      socket.end();
    });
    socket.on('error', () => {});
    socket.resume(); // read (and drop) what the server says, or its close is never seen
    socket.on('close', () => resolve());
  });
}

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PROMPTS } from '../../src/agi/prompts.js';
import { type AgiCallOptions, type AgiCallRecord, callAgi } from '../support/agi-caller.js';
import { type Harness, events, startHarness } from '../support/harness.js';
import { startPhoneServer } from '../support/phone-server.js';
import { call } from '../http/call.js';

let h: Harness;
let port: number;
let server: Awaited<ReturnType<typeof startPhoneServer>>;
const allPlayed = new Set<string>();

before(async () => {
  h = await startHarness();
  server = await startPhoneServer(h.deps);
  port = server.port;
});
after(async () => {
  await server.close();
  await h.close();
});

async function phone(opts: AgiCallOptions): Promise<AgiCallRecord> {
  const rec = await callAgi(port, { language: 'pt_BR', ...opts });
  for (const f of rec.played) allPlayed.add(f);
  return rec;
}
const p = (name: keyof typeof PROMPTS) => PROMPTS[name];
const result = (rec: AgiCallRecord) => [rec.variablesSet.AGENTGATE_RESULT, rec.variablesSet.AGENTGATE_MESSAGE];
const api = (params: Record<string, string>) => call(h.http, 'GET', params);

describe('*50 login', () => {
  test('asks the agent id and the PIN, then logs into the default queues', async () => {
    const rec = await phone({ script: 'login', callerId: '2001', dtmf: ['1001', '1234'] });
    assert.deepEqual(rec.played, [p('enterAgent'), p('enterPin'), p('loginOk')]);
    assert.deepEqual(result(rec), ['success', 'Login OK']);
    assert.equal(rec.commands[0], 'ANSWER');
    const add = h.sim.actionsOf('QueueAdd').at(-1);
    assert.deepEqual([add?.Queue, add?.Interface, add?.MemberName], ['support', 'PJSIP/2001', 'Maria Silva']);
    assert.deepEqual((await events(h.knex, '1001')).at(-1), { agent: '1001', exten: '2001', queue: 'support', kind: 'login', reason: null, source: 'phone' });
  });

  test('*50<queue number>: the dialed queue is not asked', async () => {
    const rec = await phone({ script: 'login?queue=300', callerId: '2002', dtmf: ['1002'] });
    assert.deepEqual(rec.played, [p('enterAgent'), p('loginOk')]);
    assert.deepEqual(result(rec), ['success', 'Login OK']);
    assert.deepEqual([h.sim.actionsOf('QueueAdd').at(-1)?.Queue, h.sim.actionsOf('QueueAdd').at(-1)?.Interface], ['sales', 'SIP/2002']);
  });

  test('asks the queue when the agent has no default queues; an unknown number is asked again', async () => {
    const rec = await phone({ script: 'login', callerId: '2004', dtmf: ['1004', '999', '100'] });
    assert.deepEqual(rec.played, [p('enterAgent'), p('enterQueue'), p('queueNotExists'), p('enterQueue'), p('loginOk')]);
    assert.deepEqual(result(rec), ['success', 'Login OK']);
    assert.equal(h.sim.actionsOf('QueueAdd').at(-1)?.Queue, 'support');
  });

  test('a wrong PIN three times: goodbye, nothing done', async () => {
    await api({ command: 'logoff', agent: '1001' });
    const adds = h.sim.actionsOf('QueueAdd').length;
    const rec = await phone({ script: 'login', callerId: '2001', dtmf: ['1001', '1111', '2222', '3333'] });
    assert.deepEqual(rec.played, [p('enterAgent'), p('enterPin'), p('pinInvalid'), p('enterPin'), p('pinInvalid'), p('enterPin'), p('goodbye')]);
    assert.deepEqual(result(rec), ['error', 'Argument list invalid']);
    assert.equal(h.sim.actionsOf('QueueAdd').length, adds);
    assert.ok(!rec.commands.some((c) => c.includes('1234')), 'the PIN is never echoed');
  });

  test('no agent id typed three times: goodbye with Agent not specified', async () => {
    const rec = await phone({ script: 'login', callerId: '2001', dtmf: [{ timeout: true }, '', { timeout: true }] });
    assert.deepEqual(rec.played, [p('enterAgent'), p('invalidEntry'), p('enterAgent'), p('invalidEntry'), p('enterAgent'), p('goodbye')]);
    assert.deepEqual(result(rec), ['error', 'Agent not specified']);
  });

  test('the PIN is asked even when the agent comes in the query string', async () => {
    await api({ command: 'logoff', agent: '1001' });
    const rec = await phone({ script: 'login?agent=1001', callerId: '2001', dtmf: ['0000', '1234'] });
    assert.deepEqual(rec.played, [p('enterPin'), p('pinInvalid'), p('enterPin'), p('loginOk')]);
    assert.deepEqual(result(rec), ['success', 'Login OK']);
  });

  test('while PINs are in use, an unknown number is asked a PIN and hears exactly what a wrong PIN hears', async () => {
    await api({ command: 'logoff', agent: '1001' });
    const unknown = await phone({ script: 'login', callerId: '2001', dtmf: ['4242', '1111', '2222', '3333'] });
    const wrong = await phone({ script: 'login', callerId: '2001', dtmf: ['1001', '1111', '2222', '3333'] });
    const agentTyped = (rec: AgiCallRecord) => rec.commands.map((c) => c.replace(/\b(4242|1001)\b/, 'N'));
    assert.deepEqual(agentTyped(unknown), agentTyped(wrong));
    assert.deepEqual(unknown.played, [p('enterAgent'), p('enterPin'), p('pinInvalid'), p('enterPin'), p('pinInvalid'), p('enterPin'), p('goodbye')]);
    assert.deepEqual(result(unknown), ['error', 'Argument list invalid']);
    assert.deepEqual(result(wrong), result(unknown));
    const ok = await phone({ script: 'login', callerId: '2001', dtmf: ['1001', '1234'] });
    assert.deepEqual(result(ok), ['success', 'Login OK'], 'a right PIN clears the count');
  });

  test('the same situation gives the same answer as HTTP', async () => {
    const cases: Array<[AgiCallOptions, Record<string, string>]> = [
      [{ script: 'login?agent=9999&queue=support&silent', callerId: '2003' }, { command: 'login', agent: '9999', exten: '2003', queue: 'support' }],
      [{ script: 'login?agent=1003&queue=billing&silent', callerId: '2003' }, { command: 'login', agent: '1003', exten: '2003', queue: 'billing' }],
      [{ script: 'login?agent=1003&queue=support&silent', callerId: '2009' }, { command: 'login', agent: '1003', exten: '2009', queue: 'support' }],
      [{ script: 'login?agent=1003&queue=nosuch&silent', callerId: '2003' }, { command: 'login', agent: '1003', exten: '2003', queue: 'nosuch' }],
      [{ script: 'login?agent=1003&queue=support&silent', callerId: '2999' }, { command: 'login', agent: '1003', exten: '2999', queue: 'support' }],
      [{ script: 'login?agent=1003&queue=support&silent', callerId: '2001' }, { command: 'login', agent: '1003', exten: '2001', queue: 'support' }],
      [{ script: 'login?agent=1001&queue=support&silent', callerId: '2004' }, { command: 'login', agent: '1001', exten: '2004', queue: 'support' }],
      [{ script: 'unpause?agent=1001&silent', callerId: '2001' }, { command: 'unpause', agent: '1001' }],
      [{ script: 'logoff?agent=1003&silent', callerId: '2003' }, { command: 'logoff', agent: '1003' }],
    ];
    for (const [opts, params] of cases) {
      const rec = await phone(opts);
      const http = await api(params);
      const [kind, message] = Object.entries(http.body)[0] ?? [];
      assert.deepEqual(result(rec), [kind, message], opts.script);
      assert.deepEqual(rec.played, [], 'silent plays nothing');
    }
  });
});

describe('*51 pause, *52 unpause, *53 logoff, *54 status', () => {
  test('*51 asks the reason code; an unknown code is asked again', async () => {
    const rec = await phone({ script: 'pause', callerId: '2001', dtmf: ['7', '1'] });
    assert.deepEqual(rec.played, [p('enterReason'), p('invalidEntry'), p('enterReason'), p('pauseOk')]);
    assert.deepEqual(result(rec), ['success', 'Pause OK']);
    const pause = h.sim.actionsOf('QueuePause').at(-1);
    assert.deepEqual([pause?.Interface, pause?.Paused, pause?.Reason], ['PJSIP/2001', 'true', 'Almoco']);
    assert.deepEqual((await events(h.knex, '1001')).at(-1), { agent: '1001', exten: '2001', queue: null, kind: 'pause', reason: 'Almoco', source: 'phone' });
  });

  test('*54 says paused, with the reason code in our own digit prompts', async () => {
    const rec = await phone({ script: 'status', callerId: '2001' });
    assert.deepEqual(rec.played, [p('statusPaused'), p('reasonCode'), p('digit1')]);
    assert.deepEqual(rec.digitsSaid, [], "no SAY DIGITS: Asterisk's core digits are English only");
    assert.deepEqual(result(rec), ['success', 'Status OK']);
  });

  test('*512 when already paused answers Agent alredy paused and asks nothing', async () => {
    const rec = await phone({ script: 'pause?reason=2', callerId: '2001' });
    assert.deepEqual(rec.played, [p('agentAlreadyPaused')]);
    assert.deepEqual(result(rec), ['error', 'Agent alredy paused']);
  });

  test('*52 unpauses the agent on the calling extension; again: Agent alredy available', async () => {
    const rec = await phone({ script: 'unpause', callerId: '2001' });
    assert.deepEqual([rec.played, result(rec)], [[p('unpauseOk')], ['success', 'Unpause OK']]);
    const again = await phone({ script: 'unpause', callerId: '2001' });
    assert.deepEqual([again.played, result(again)], [[p('agentAlreadyAvailable')], ['error', 'Agent alredy available']]);
  });

  test('*51 then # alone pauses without a reason', async () => {
    const rec = await phone({ script: 'pause', callerId: '2001', dtmf: [''] });
    assert.deepEqual(rec.played, [p('enterReason'), p('pauseOk')]);
    assert.equal(h.sim.actionsOf('QueuePause').at(-1)?.Reason, undefined);
    assert.deepEqual((await phone({ script: 'status', callerId: '2001' })).played, [p('statusPaused')]);
  });

  test('*53 logs off; *54 then says logged off; *51 from an empty extension: Agent not logged', async () => {
    const rec = await phone({ script: 'logoff', callerId: '2001' });
    assert.deepEqual([rec.played, result(rec)], [[p('logoffOk')], ['success', 'Logoff OK']]);
    const st = await phone({ script: 'status?agent=1001', callerId: '2001' });
    assert.deepEqual([st.played, result(st)], [[p('statusLoggedOff')], ['success', 'Status OK']]);
    const empty = await phone({ script: 'status', callerId: '2001' });
    assert.deepEqual([empty.played, result(empty)], [[p('statusLoggedOff')], ['error', 'Agent not logged']]);
    const pause = await phone({ script: 'pause', callerId: '2001' });
    assert.deepEqual([pause.played, result(pause)], [[p('agentNotLogged')], ['error', 'Agent not logged']]);
  });

  test('an unknown script answers Argument list invalid', async () => {
    const rec = await phone({ script: 'dance', callerId: '2001' });
    assert.deepEqual(result(rec), ['error', 'Argument list invalid']);
    assert.deepEqual(rec.played, [p('argumentInvalid')]);
  });
});

describe('IVR use (silent)', () => {
  test('login and pause with every parameter given: nothing answered, played or asked', async () => {
    const rec = await phone({ script: 'login?agent=1003&queue=support&silent', callerId: '2003' });
    assert.deepEqual(result(rec), ['success', 'Login OK']);
    assert.deepEqual(rec.commands.filter((c) => !c.startsWith('SET VARIABLE')), [], 'only the result variables');
    const pause = await phone({ script: 'pause?agent=1003&reason=Treinamento&silent', callerId: '9999' });
    assert.deepEqual(result(pause), ['success', 'Pause OK']);
    assert.equal(h.sim.actionsOf('QueuePause').at(-1)?.Reason, 'Treinamento');
    await api({ command: 'logoff', agent: '1003' });
  });

  test('a missing parameter with silent is an error, not a question', async () => {
    assert.deepEqual(result(await phone({ script: 'login?silent', callerId: '2003' })), ['error', 'Agent not specified']);
    assert.deepEqual(result(await phone({ script: 'login?agent=1004&silent', callerId: '2004' })), ['error', 'Argument list invalid']);
  });

  test("Asterisk's refusal reaches AGENTGATE_MESSAGE intact, quotes and backslashes included", async () => {
    await api({ command: 'login', agent: '1004', exten: '2004', queue: 'support' });
    h.sim.refuseMessage = 'Bad "thing" \\ here';
    h.sim.mode = 'refuse';
    const rec = await phone({ script: 'pause?agent=1004&silent', callerId: '2004' });
    h.sim.mode = 'normal';
    assert.deepEqual(result(rec), ['error', 'PBX error: Bad "thing" \\ here']);
    await api({ command: 'logoff', agent: '1004' });
  });
});

describe('languages and prompts', () => {
  test("Asterisk's default en and languages not shipped hear pt_BR; pt_BR and a chosen English variant are played as they are", async () => {
    const setTo = (rec: AgiCallRecord) => rec.commands.filter((c) => c.startsWith('SET VARIABLE CHANNEL(language)'));
    for (const [language, set] of [['en', ['SET VARIABLE CHANNEL(language) pt_BR']], ['es', ['SET VARIABLE CHANNEL(language) pt_BR']], ['pt_BR', []], ['en_US', []]] as const) {
      const rec = await phone({ script: 'status', callerId: '2009', language });
      assert.deepEqual(setTo(rec), set, language);
      assert.ok(rec.commands.includes('GET VARIABLE CHANNEL(language)'), `${language}: read from the channel`);
    }
  });
});

describe('hangups', () => {
  test('a hangup at any step of a login leaves no half-done state', async () => {
    for (let n = 1; n <= 7; n++) {
      await api({ command: 'logoff', agent: '1001' });
      const rec = await phone({ script: 'login', callerId: '2001', dtmf: ['1001', '1234'], hangupDuring: n });
      const session = await h.knex('agent_sessions').where({ agent: '1001' }).first();
      const inQueue = h.sim.members().some((m) => m.interface === 'PJSIP/2001');
      assert.equal(Boolean(session), inQueue, `step ${n}: database and Asterisk agree`);
      assert.ok(rec.variablesSet.AGENTGATE_RESULT, `step ${n}: the result variable is set`);
      if (rec.variablesSet.AGENTGATE_RESULT === 'success') assert.ok(session, `step ${n}: success means logged in`);
    }
  });
});

describe('capacity', () => {
  test('1,000 concurrent sessions all complete correctly', async () => {
    const recs = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => callAgi(port, { script: `status?agent=${1001 + (i % 4)}&silent`, callerId: '2009' })),
    );
    assert.equal(recs.filter((r) => r.variablesSet.AGENTGATE_MESSAGE === 'Status OK').length, 1000);
  });
});

describe('shipped prompts', () => {
  test('every prompt a flow played is shipped in both languages', () => {
    assert.ok(allPlayed.size > 10);
    const sounds = fileURLToPath(new URL('../../sounds/', import.meta.url));
    for (const file of allPlayed) {
      assert.ok((Object.values(PROMPTS) as string[]).includes(file), `${file} is named in PROMPTS`);
      for (const lang of ['pt_BR', 'en']) assert.ok(existsSync(`${sounds}${lang}/${file}.wav`), `${lang}/${file}.wav`);
    }
  });
});

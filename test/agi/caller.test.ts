import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, beforeEach, describe, test } from 'node:test';
import { deviceOf } from '../../src/agi/caller.js';
import { PROMPTS, folderPlayed } from '../../src/agi/prompts.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { type AgiCallOptions, type AgiCallRecord, callAgi, parseAgiLine } from '../support/agi-caller.js';
import { agiFixturePath } from '../support/agi-transcript.js';
import { type Harness, startHarness } from '../support/harness.js';
import { startPhoneServer } from '../support/phone-server.js';
import { call } from '../http/call.js';

let h: Harness;
let phone: Awaited<ReturnType<typeof startPhoneServer>>;
before(async () => {
  h = await startHarness();
  phone = await startPhoneServer(h.deps);
});
after(async () => {
  await phone.close();
  await h.close();
});
beforeEach(async () => {
  phone.options.callerIdFallback = undefined;
  phone.options.promptLanguage = undefined;
  for (const agent of ['1001', '1002', '1003', '1004']) await api({ command: 'logoff', agent });
  await h.knex('agents').update({ language: null });
  await h.knex('extensions').update({ language: null });
});

const api = (params: Record<string, string>) => call(h.http, 'GET', params);
const dial = (opts: AgiCallOptions) => callAgi(phone.port, opts);
const result = (rec: AgiCallRecord) => [rec.variablesSet.AGENTGATE_RESULT, rec.variablesSet.AGENTGATE_MESSAGE];
const lastAdd = () => h.sim.actionsOf('QueueAdd').at(-1);
const lastEvent = () => h.knex('events').orderBy('id', 'desc').first('agent', 'exten', 'kind', 'actor');

/** What the caller heard, in order, each prompt with the language folder Asterisk played it from. */
function heard(rec: AgiCallRecord, channelLanguage: string): string[] {
  let lang: string = folderPlayed(channelLanguage);
  const out: string[] = [];
  for (const line of rec.commands) {
    const [verb = '', noun = '', arg = ''] = parseAgiLine(line);
    if (`${verb} ${noun} ${arg}` === 'SET VARIABLE CHANNEL(language)') lang = parseAgiLine(line)[3] ?? '';
    if (`${verb} ${noun}` === 'STREAM FILE' || `${verb} ${noun}` === 'GET DATA') out.push(`${lang}/${arg}`);
  }
  return out;
}
const in_ = (lang: string, ...names: Array<keyof typeof PROMPTS>) => names.map((n) => `${lang}/${PROMPTS[n]}`);

/** The environment Asterisk sent in a capture, without what names the port it connected to. */
function capturedEnv(name: string): Record<string, string> {
  const text = readFileSync(agiFixturePath(name), 'latin1');
  const block = text.split('\n\n')[0] ?? '';
  const env: Record<string, string> = {};
  for (const line of block.split('\n').slice(1)) {
    const at = line.indexOf(': ');
    if (at > 0 && line !== '') env[line.slice(0, at)] = line.slice(at + 2);
  }
  delete env.agi_request;
  return env;
}

describe('the device a channel is', () => {
  test('a channel name without its sequence number; Local channels and bare names are no device', () => {
    const cases: Array<[string, string | undefined]> = [
      ['PJSIP/2001-00000025', 'PJSIP/2001'],
      ['SIP/2002-0000001a', 'SIP/2002'],
      ['IAX2/2001-1234', 'IAX2/2001'],
      ['PJSIP/office-2001-0000000b', 'PJSIP/office-2001'],
      ['PJSIP/trunk-00000003', 'PJSIP/trunk'],
      ['Local/s@dtmf-sender-00000000;1', undefined],
      ['local/2001@from-queue-00000012;2', undefined],
      ['PJSIP/2001', undefined],
      ['', undefined],
    ];
    for (const [channel, device] of cases) assert.equal(deviceOf(channel), device, channel);
  });
});

describe('who is calling', () => {
  test("a real SIP phone's *50 (sip-phone-login.txt) logs in extension 2001 on PJSIP/2001", async () => {
    const env = capturedEnv('sip-phone-login.txt');
    assert.equal(env.agi_channel, 'PJSIP/2001-00000025');
    const rec = await dial({ script: 'login', env, dtmf: ['1002', '100'] });
    assert.deepEqual(result(rec), ['success', 'Login OK']);
    assert.deepEqual([lastAdd()?.Interface, lastAdd()?.MemberName], ['PJSIP/2001', 'João Souza']);
  });

  test('PJSIP/2001-… whose caller number names extension 2004: the channel wins', async () => {
    const rec = await dial({ script: 'login', channel: 'PJSIP/2001-00000025', callerId: '2004', dtmf: ['1002', '100'] });
    assert.deepEqual(result(rec), ['success', 'Login OK']);
    assert.equal(lastAdd()?.Interface, 'PJSIP/2001');
    assert.deepEqual(await lastEvent(), { agent: '1002', exten: '2001', kind: 'login', actor: 'phone:2001' });
    const pause = await dial({ script: 'pause?reason=1', channel: 'PJSIP/2001-00000026', callerId: '2004' });
    assert.deepEqual(result(pause), ['success', 'Pause OK'], 'the agent on 2001 is paused, not whoever sits at 2004');
    assert.equal(h.sim.actionsOf('QueuePause').at(-1)?.Interface, 'PJSIP/2001');
  });

  test("an extension's own interface and its state interface name its device too", async () => {
    const sip = await dial({ script: 'login?agent=1002&queue=support', channel: 'SIP/2002-0000001a', callerId: '2001' });
    assert.deepEqual([result(sip), lastAdd()?.Interface], [['success', 'Login OK'], 'SIP/2002']);
    // 2003 is a Local member interface with the state interface PJSIP/2003: its phone is PJSIP/2003
    const local = await dial({ script: 'login?agent=1004&queue=support', channel: 'pjsip/2003-00000031', callerId: '2001' });
    assert.deepEqual([result(local), lastAdd()?.Interface], [['success', 'Login OK'], 'Local/2003@from-queue/n']);
  });

  test('a Local channel, or a device no extension names, is the extension of its caller number', async () => {
    const local = await dial({ script: 'login?agent=1002&queue=support', channel: 'Local/s@ivr-00000004;1', callerId: '2004' });
    assert.deepEqual([result(local), lastAdd()?.Interface], [['success', 'Login OK'], 'PJSIP/2004']);
    const trunk = await dial({ script: 'login?agent=1004&queue=support', channel: 'PJSIP/trunk-00000003', callerId: '2001' });
    assert.deepEqual([result(trunk), lastAdd()?.Interface], [['success', 'Login OK'], 'PJSIP/2001']);
  });

  test('with AGI_CALLERID_FALLBACK off such a call is refused with a prompt and Exten not exists; a phone still works', async () => {
    phone.options.callerIdFallback = false;
    const adds = h.sim.actionsOf('QueueAdd').length;
    const rec = await dial({ script: 'login?agent=1002&queue=support', channel: 'Local/s@ivr-00000004;1', callerId: '2004', language: 'pt_BR' });
    assert.deepEqual(heard(rec, 'pt_BR'), in_('pt_BR', 'extenNotIdentified'));
    assert.deepEqual(result(rec), ['error', 'Exten not exists']);
    assert.match(rec.verbose.join('\n'), /Local\/s@ivr-00000004;1 is no provisioned extension's device and AGI_CALLERID_FALLBACK is off/);
    assert.equal(h.sim.actionsOf('QueueAdd').length, adds, 'nothing sent to Asterisk');
    assert.equal(await h.knex('agent_sessions').where({ agent: '1002' }).first(), undefined, 'no session written');
    const silent = await dial({ script: 'login?agent=1002&queue=support&silent', channel: 'PJSIP/trunk-00000003', callerId: '2004' });
    assert.deepEqual([result(silent), silent.played], [['error', 'Exten not exists'], []]);
    const ok = await dial({ script: 'login?agent=1002&queue=support', channel: 'PJSIP/2004-00000040', callerId: '9999' });
    assert.deepEqual([result(ok), lastAdd()?.Interface], [['success', 'Login OK'], 'PJSIP/2004']);
  });
});

describe('the language of the prompts', () => {
  test("a channel at Asterisk's default en hears PROMPT_LANGUAGE (pt_BR unless set), from the first prompt", async () => {
    const rec = await dial({ script: 'status', channel: 'PJSIP/2001-00000050', language: 'en' });
    assert.deepEqual(heard(rec, 'en'), in_('pt_BR', 'statusLoggedOff'));
    assert.deepEqual(rec.commands.slice(0, 3), ['ANSWER', 'GET VARIABLE CHANNEL(language)', 'SET VARIABLE CHANNEL(language) pt_BR']);
    phone.options.promptLanguage = 'en';
    const en = await dial({ script: 'status', channel: 'PJSIP/2001-00000051', language: 'en' });
    assert.deepEqual(heard(en, 'en'), in_('en', 'statusLoggedOff'));
    assert.ok(!en.commands.some((c) => c.startsWith('SET VARIABLE CHANNEL')), 'Asterisk plays en already');
  });

  test("the extension's language from the start, the agent's once the agent is known", async () => {
    await h.knex('extensions').where({ exten: '2004' }).update({ language: 'en' });
    await h.knex('agents').where({ login: '1002' }).update({ language: 'pt_BR' });
    const rec = await dial({ script: 'login', channel: 'PJSIP/2004-00000060', language: 'pt_BR', dtmf: ['1002', '100'] });
    assert.deepEqual(heard(rec, 'pt_BR'), [...in_('en', 'enterAgent'), ...in_('pt_BR', 'enterQueue', 'loginOk')]);
    assert.deepEqual(result(rec), ['success', 'Login OK']);
    // *52 on that extension: the agent on it is known at once
    const again = await dial({ script: 'unpause', channel: 'PJSIP/2004-00000061', language: 'en' });
    assert.deepEqual(heard(again, 'en'), in_('pt_BR', 'agentAlreadyAvailable'));
  });

  test('an agent with a PIN hears its language only after the right PIN: before it, nothing tells an agent from an unknown number', async () => {
    await h.knex('agents').where({ login: '1001' }).update({ language: 'en' });
    const rec = await dial({ script: 'login', channel: 'PJSIP/2001-00000070', language: 'en', dtmf: ['1001', '1234'] });
    assert.deepEqual(heard(rec, 'en'), [...in_('pt_BR', 'enterAgent', 'enterPin'), ...in_('en', 'loginOk')]);
    await api({ command: 'logoff', agent: '1001' });
    const wrong = await dial({ script: 'login', channel: 'PJSIP/2001-00000071', language: 'en', dtmf: ['1001', '1111', '2222', '3333'] });
    const unknown = await dial({ script: 'login', channel: 'PJSIP/2001-00000072', language: 'en', dtmf: ['4242', '1111', '2222', '3333'] });
    assert.deepEqual(heard(wrong, 'en'), heard(unknown, 'en'));
    assert.ok(heard(wrong, 'en').every((f) => f.startsWith('pt_BR/')));
  });

  test('*54 says the reason code with our digit prompts, in the language of the prompts', async () => {
    await h.knex('agents').where({ login: '1002' }).update({ language: 'en' });
    await api({ command: 'login', agent: '1002', exten: '2001', queue: 'support' });
    await api({ command: 'pause', agent: '1002', reason: 'Treinamento' });
    const rec = await dial({ script: 'status', channel: 'PJSIP/2001-00000080', language: 'en' });
    assert.deepEqual(heard(rec, 'en'), in_('en', 'statusPaused', 'reasonCode', 'digit3'));
    assert.deepEqual(rec.digitsSaid, []);
  });
});

describe('configuration', () => {
  test('PROMPT_LANGUAGE takes only shipped languages; AGI_CALLERID_FALLBACK only true or false', () => {
    assert.deepEqual([loadConfig({}).PROMPT_LANGUAGE, loadConfig({}).AGI_CALLERID_FALLBACK], ['pt_BR', true]);
    assert.deepEqual([loadConfig({ PROMPT_LANGUAGE: 'en', AGI_CALLERID_FALLBACK: 'false' }).PROMPT_LANGUAGE, loadConfig({ AGI_CALLERID_FALLBACK: 'false' }).AGI_CALLERID_FALLBACK], ['en', false]);
    assert.throws(() => loadConfig({ PROMPT_LANGUAGE: 'es' }), (err: Error) => err instanceof ConfigError && /PROMPT_LANGUAGE: must be one of the shipped prompt languages: pt_BR, en/.test(err.message));
    assert.throws(() => loadConfig({ AGI_CALLERID_FALLBACK: 'no' }), /AGI_CALLERID_FALLBACK: must be true or false/);
  });
});

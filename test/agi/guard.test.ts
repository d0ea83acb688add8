import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import knexFactory, { type Knex } from 'knex';
import { pino } from 'pino';
import { parseAllowList } from '../../src/config.js';
import { handleCall } from '../../src/agi/flows/route.js';
import { PROMPTS } from '../../src/agi/prompts.js';
import { createAgiServer } from '../../src/agi/server.js';
import type { Deps } from '../../src/commands/deps.js';
import { checkPhonePin } from '../../src/commands/phone.js';
import { DEFAULT_PIN_GUARD, type PinGuard, hashPin } from '../../src/commands/pin.js';
import { type AgiCallOptions, type AgiCallRecord, callAgi } from '../support/agi-caller.js';
import { type Harness, quietLog, startHarness } from '../support/harness.js';
import { call } from '../http/call.js';

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

let h: Harness;
const logs: LogLine[] = [];
const servers: Array<ReturnType<typeof createAgiServer>> = [];
const log = pino({ level: 'info' }, { write: (s: string) => void logs.push(JSON.parse(s) as LogLine) });

before(async () => {
  h = await startHarness();
});
after(async () => {
  await Promise.all(servers.map((s) => s.close(1000)));
  await h.close();
});

/** A FastAGI server over `deps` (the harness's unless given), with a PIN guard; resolves with its port. */
async function agiServer(opts: { guard?: PinGuard; deps?: Deps } = {}): Promise<number> {
  const server = createAgiServer({
    host: '127.0.0.1',
    port: 0,
    allow: parseAllowList('127.0.0.1/32'),
    maxSessions: 100,
    envTimeoutMs: 2000,
    commandTimeoutMs: 5000,
    sessionTimeoutMs: 60_000,
    logger: quietLog,
    handler: async (session) => {
      await handleCall({ ...(opts.deps ?? h.deps), log }, session, log.child({ channel: session.channel }), { pinGuard: opts.guard });
    },
  });
  servers.push(server);
  return server.listen();
}

const p = (name: keyof typeof PROMPTS) => PROMPTS[name];
const result = (rec: AgiCallRecord) => [rec.variablesSet.AGENTGATE_RESULT, rec.variablesSet.AGENTGATE_MESSAGE];
const api = (params: Record<string, string>) => call(h.http, 'GET', params);
let port: number;
const phone = (opts: Partial<AgiCallOptions>) => callAgi(port, { language: 'pt_BR', callerId: '2001', script: 'login', ...opts });

describe('phone PIN guessing', () => {
  before(async () => {
    port = await agiServer(); // the defaults: 5 wrong PINs in 15 minutes lock for 15 minutes
  });

  test('5 wrong PINs across calls lock that agent out of phone login; logged; HTTP unaffected', async () => {
    const first = await phone({ dtmf: ['1001', '1111', '2222', '3333'] });
    assert.deepEqual(result(first), ['error', 'Argument list invalid']);
    const second = await phone({ dtmf: ['1001', '4444', '5555', '1234'] });
    assert.deepEqual(second.played, [p('enterAgent'), p('enterPin'), p('pinInvalid'), p('enterPin'), p('pinLocked')], 'the fifth wrong PIN locks: no third try');
    assert.deepEqual(result(second), ['error', 'Argument list invalid']);
    const locked = logs.find((l) => l.msg === 'phone login locked: too many wrong PINs');
    assert.deepEqual([locked?.level, locked?.agent, locked?.failures], [40, '1001', 5]);
    assert.ok(!JSON.stringify(logs).includes('4444'), 'the PINs typed are never logged');

    const adds = h.sim.actionsOf('QueueAdd').length;
    const third = await phone({ dtmf: ['1001', '1234'] });
    assert.deepEqual(third.played, [p('enterAgent'), p('pinLocked')], 'locked: not even asked, the right PIN is not taken');
    assert.deepEqual(result(third), ['error', 'Argument list invalid']);
    assert.equal(h.sim.actionsOf('QueueAdd').length, adds);
    assert.ok(logs.some((l) => l.msg === 'phone login refused: locked after too many wrong PINs' && l.agent === '1001'));

    assert.deepEqual((await api({ command: 'login', agent: '1001', exten: '2001', queue: 'support' })).body, { success: 'Login OK' }, 'HTTP is not affected');
    assert.deepEqual((await api({ command: 'logoff', agent: '1001' })).body, { success: 'Logoff OK' });

    await h.knex('pin_lockouts').where({ agent: '1001' }).update({ until: h.knex.raw("now() - interval '1 second'") });
    const after = await phone({ dtmf: ['1001', '1234'] });
    assert.deepEqual(result(after), ['success', 'Login OK'], 'once the lockout is over the agent logs in');
    await api({ command: 'logoff', agent: '1001' });
  });

  test('a call already asking for the PIN when the lock falls cannot get in, even with the right PIN', async () => {
    // the call is at its PIN question; meanwhile other calls lock the agent
    await h.knex('pin_lockouts').insert({ agent: '1002', until: h.knex.raw("now() + interval '15 minutes'") }).onConflict('agent').merge();
    await h.knex('agents').where({ login: '1002' }).update({ pin_hash: await hashPin('9999') });
    try {
      const answer = await checkPhonePin(h.deps, DEFAULT_PIN_GUARD, '1002', '9999');
      assert.equal(answer, 'locked', 'the right PIN does not open a lockout');
      const adds = h.sim.actionsOf('QueueAdd').length;
      const parallel = await Promise.all(Array.from({ length: 6 }, () => phone({ dtmf: ['1002', '9999'] })));
      for (const rec of parallel) assert.deepEqual(result(rec), ['error', 'Argument list invalid']);
      assert.equal(h.sim.actionsOf('QueueAdd').length, adds, 'none of them logged in');
    } finally {
      await h.knex('agents').where({ login: '1002' }).update({ pin_hash: null });
      await h.knex('pin_lockouts').where({ agent: '1002' }).delete();
    }
  });

  test('an unknown number is counted and locked the same way: nothing tells it from an agent', async () => {
    await phone({ dtmf: ['4242', '1', '2', '3'] });
    const second = await phone({ dtmf: ['4242', '4', '5', '6'] });
    assert.deepEqual(second.played, [p('enterAgent'), p('enterPin'), p('pinInvalid'), p('enterPin'), p('pinLocked')]);
    const third = await phone({ dtmf: ['4242'] });
    assert.deepEqual([third.played, result(third)], [[p('enterAgent'), p('pinLocked')], ['error', 'Argument list invalid']]);
  });

  test('wrong PINs older than the window do not count; a right PIN starts the count again', async () => {
    await h.knex('pin_failures').insert(Array.from({ length: 4 }, () => ({ agent: '1001', at: h.knex.raw("now() - interval '16 minutes'") })));
    const rec = await phone({ dtmf: ['1001', '0000', '1234'] });
    assert.deepEqual(result(rec), ['success', 'Login OK']);
    assert.equal((await h.knex('pin_failures').where({ agent: '1001' })).length, 0);
    await api({ command: 'logoff', agent: '1001' });
  });

  test('the limits are configurable (PIN_MAX_FAILURES, PIN_WINDOW_S, PIN_LOCKOUT_S)', async () => {
    const strict = await agiServer({ guard: { maxFailures: 2, windowS: 60, lockoutS: 3600 } });
    const rec = await callAgi(strict, { script: 'login', callerId: '2001', dtmf: ['1001', '9', '8', '1234'] });
    assert.deepEqual(rec.played, [p('enterAgent'), p('enterPin'), p('pinInvalid'), p('enterPin'), p('pinLocked')]);
    const lock = await h.knex('pin_lockouts').where({ agent: '1001' }).first(h.knex.raw('extract(epoch from until - now())::int as s'));
    assert.ok(lock.s > 3500 && lock.s <= 3600);
    await h.knex('pin_lockouts').delete();
  });
});

describe('phone edge cases', () => {
  before(async () => {
    port = await agiServer();
  });

  test('a missing question prompt still collects the digits: the login goes through', async () => {
    const rec = await phone({ dtmf: ['1001', '1234'], missing: [p('enterAgent')] });
    assert.deepEqual(rec.missingAsked, [p('enterAgent')]);
    assert.deepEqual(rec.played, ['beep', p('enterPin'), p('loginOk')]);
    assert.deepEqual(result(rec), ['success', 'Login OK']);
    await api({ command: 'logoff', agent: '1001' });
  });

  test('a missing answer prompt is not a hangup: the answer is still given', async () => {
    const rec = await phone({ script: 'status?agent=1004', callerId: '2004', missing: [p('statusLoggedOff')] });
    assert.deepEqual(result(rec), ['success', 'Status OK']);
    assert.deepEqual(rec.missingAsked, [p('statusLoggedOff')]);
    assert.equal(rec.hungUp, false);
  });

  test('the database down during the look-up: the caller hears database-unavailable', async () => {
    const dead = deadDatabase();
    try {
      const deadPort = await agiServer({ deps: { ...h.deps, db: dead } });
      const rec = await callAgi(deadPort, { script: 'login', callerId: '2001', dtmf: ['1001'] });
      assert.deepEqual(result(rec), ['error', 'Database unavailable']);
      assert.equal(rec.played.at(-1), p('databaseUnavailable'));
    } finally {
      await dead.destroy();
    }
  });

  test('an internal error has a prompt of its own, not the database one', async (t) => {
    if (!h.db.server) return t.skip('needs a Postgres server');
    // a database that answers but has none of agentgate's tables: a bug, not an outage
    const url = new URL(h.db.url!);
    url.pathname = '/postgres';
    const empty = knexFactory({ client: 'pg', connection: url.toString(), pool: { min: 0, max: 1 } });
    try {
      const emptyPort = await agiServer({ deps: { ...h.deps, db: empty } });
      const rec = await callAgi(emptyPort, { script: 'login', callerId: '2001', dtmf: ['1001'] });
      assert.deepEqual(result(rec), ['error', 'Internal error']);
      assert.equal(rec.played.at(-1), p('internalError'));
    } finally {
      await empty.destroy();
    }
  });

  test('with no PIN anywhere there is nothing to hide: an unknown number is asked again at once', async () => {
    const pins = await h.knex('agents').select('login', 'pin_hash').whereNotNull('pin_hash');
    await h.knex('agents').update({ pin_hash: null });
    try {
      const rec = await phone({ dtmf: ['4343', '1004', '100'], callerId: '2004' });
      assert.deepEqual(rec.played, [p('enterAgent'), p('agentNotExists'), p('enterAgent'), p('enterQueue'), p('loginOk')]);
      await api({ command: 'logoff', agent: '1004' });
    } finally {
      for (const row of pins) await h.knex('agents').where({ login: row.login }).update({ pin_hash: row.pin_hash });
    }
  });
});

function deadDatabase(): Knex {
  return knexFactory({
    client: 'pg',
    connection: { host: '127.0.0.1', port: 1, user: 'x', database: 'x', connectionTimeoutMillis: 500 },
    pool: { min: 0, max: 1 },
    acquireConnectionTimeout: 1000,
    log: { warn() {}, error() {}, debug() {}, deprecate() {} },
  });
}

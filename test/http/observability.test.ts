import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import knexFactory from 'knex';
import type { OutcomeKind } from '../../src/commands/outcomes.js';
import { OUTCOMES } from '../../src/commands/outcomes.js';
import { parseAllowList } from '../../src/config.js';
import { accessCheck } from '../../src/access/credentials.js';
import { createKey } from '../../src/access/keys.js';
import { buildHttp } from '../../src/http/app.js';
import { AGENT_API_EXTRA, agentApiAnswers, openApiDocument } from '../../src/http/openapi.js';
import { PbxSet } from '../../src/ami/pbxes.js';
import { Metrics } from '../../src/metrics.js';
import { Keeper } from '../../src/sync/keeper.js';
import { type Harness, startHarness } from '../support/harness.js';
import { parsePrometheus, sample } from '../support/prometheus.js';

let h: Harness;
let app: FastifyInstance;
let metrics: Metrics;
/** The PBXs of `app`: it reads provisioning's places again when a test moves a queue. */
let appPbxes: PbxSet;
const routes: Array<{ url: string; method: string }> = [];

/** The service's HTTP app as serve builds it: metrics wired in, the AMI actions timed. */
function build(db = h.knex, opts: { allow?: string } = {}, onRoute?: (r: { url: string; method: string | string[] }) => void): FastifyInstance {
  const m = new Metrics({ db, pbx: h.pbx, agiSessions: () => 0, liveFeedClients: () => 0 });
  const pbxes = PbxSet.of({ default: m.instrumentPbx(h.pbx) });
  const a = buildHttp({
    ...h.deps,
    db,
    pbxes,
    onCommand: m.onCommand,
    metrics: m,
    access: accessCheck(parseAllowList(opts.allow ?? '127.0.0.1/32'), ['tok-123']),
    readiness: async () => ({ database: true, pbx: h.pbx.isConnected() }),
    onRoute,
  });
  if (db === h.knex && !opts.allow) {
    metrics = m;
    appPbxes = pbxes;
  }
  return a;
}

before(async () => {
  h = await startHarness();
  app = build(h.knex, {}, (r) => routes.push(...[r.method].flat().map((m) => ({ url: r.url, method: String(m).toLowerCase() }))));
  await app.ready();
});
after(async () => {
  await app.close();
  await h.close();
});

const OUTSIDE = '203.0.113.9';
const get = (url: string, headers: Record<string, string> = {}, remoteAddress = '127.0.0.1') => app.inject({ method: 'GET', url, headers, remoteAddress });
const agentApi = (a: FastifyInstance, params: Record<string, string>) => a.inject({ method: 'GET', url: `/api/agent.php?${new URLSearchParams(params)}`, remoteAddress: '127.0.0.1' });

describe('access: the same rule as /api/agent.php', () => {
  for (const url of ['/metrics', '/openapi.json', '/api/reports/pauses?from=2026-11-01']) {
    test(`${url} refuses a caller outside API_ALLOW without a token, and lets a token in`, async () => {
      const refused = await get(url, {}, OUTSIDE);
      assert.equal(refused.statusCode, 403);
      assert.deepEqual(refused.json(), { error: 'Forbidden' });
      assert.equal(refused.headers['content-type'], 'application/json; charset=utf-8');
      assert.equal((await get(url, { authorization: 'Bearer wrong' }, OUTSIDE)).statusCode, 403);
      assert.equal((await get(url, { authorization: 'Bearer tok-123' }, OUTSIDE)).statusCode, 200);
      assert.equal((await get(`${url}${url.includes('?') ? '&' : '?'}token=tok-123`, {}, OUTSIDE)).statusCode, 200);
    });
  }

  test('each page answers 403 to an outsider (the page, which asks for a token) and its files load for anyone, with the same headers', async () => {
    const csp = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";
    for (const page of ['/wallboard', '/wallboard/reports']) {
      const refused = await get(page, {}, OUTSIDE);
      assert.equal(refused.statusCode, 403, page);
      assert.ok(String(refused.headers['content-type']).startsWith('text/html'), page);
      assert.match(refused.body, /<html/i, page);
      // a token in the address is exchanged for a cookie and leaves the address: 303 to the page without it
      const exchanged = await get(`${page}?lang=en&token=tok-123`, {}, OUTSIDE);
      assert.equal(exchanged.statusCode, 303, page);
      assert.equal(exchanged.headers.location, `${page}?lang=en`, page);
      const cookie = String(exchanged.headers['set-cookie']);
      assert.match(cookie, /^agentgate_key=tok-123; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict$/, page);
      assert.equal((await get(`${page}?lang=en`, { cookie: cookie.split(';')[0]! }, OUTSIDE)).statusCode, 200, page);
      assert.equal((await get(`${page}?token=wrong`, {}, OUTSIDE)).statusCode, 403, `${page}: a wrong token is not exchanged`);
    }
    for (const [url, type] of [
      ['/wallboard/wallboard.js', 'text/javascript'],
      ['/wallboard/wallboard.css', 'text/css'],
      ['/wallboard/reports/reports.js', 'text/javascript'],
      ['/wallboard/reports/reports.css', 'text/css'],
    ]) {
      const res = await get(url!, {}, OUTSIDE);
      assert.equal(res.statusCode, 200, url);
      assert.ok(String(res.headers['content-type']).startsWith(type!), url);
      assert.equal(res.headers['content-security-policy'], csp, url);
      assert.equal(res.headers['x-content-type-options'], 'nosniff', url);
    }
  });

  test('a bad report parameter answers 400 Argument list invalid, naming it', async () => {
    const res = await get('/api/reports/pauses?from=2026-11-01&group=exten');
    assert.equal(res.statusCode, 400);
    assert.deepEqual(res.json(), { error: 'Argument list invalid', detail: 'group' });
  });

  test('the report as CSV is a download', async () => {
    const res = await get('/api/reports/pauses?from=2026-11-01&to=2026-11-02&format=csv&group=day&tz=UTC');
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/csv; charset=utf-8');
    assert.equal(res.headers['content-disposition'], 'attachment; filename="pauses-by-day-2026-11-01-2026-11-02.csv"');
    assert.equal(res.body, 'day,logged_in_s,paused_s,pauses,longest_pause_s,paused_ratio,productive_paused_s,unproductive_paused_ratio,calls_answered,talk_s,missed_rings\r\n');
  });
});

describe('/metrics', () => {

  test('parses as Prometheus text and moves with traffic', async () => {
    const before = await get('/metrics');
    assert.equal(before.statusCode, 200);
    assert.match(String(before.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    parsePrometheus(before.body); // throws on any line out of the format
    for (const name of ['agentgate_commands_total', 'agentgate_command_duration_seconds', 'agentgate_ami_connected', 'agentgate_ami_action_duration_seconds', 'agentgate_agents', 'agentgate_queue_agents', 'agentgate_sync_corrections_total', 'agentgate_intents', 'agentgate_agi_sessions', 'agentgate_live_feed_clients', 'agentgate_database_up']) {
      assert.match(before.body, new RegExp(`^# TYPE ${name} `, 'm'), `${name} is exposed`);
    }
    assert.equal(sample(before.body, 'agentgate_ami_connected'), 1);
    assert.equal(sample(before.body, 'agentgate_sync_corrections_total', { source: 'reconcile', kind: 'pause_taken' }), 0, 'every series is there from the start');

    assert.deepEqual((await agentApi(app, { command: 'login', agent: '1001', exten: '2001', queue: 'support' })).json(), { success: 'Login OK' });
    assert.deepEqual((await agentApi(app, { command: 'pause', agent: '1001', reason: 'Almoco' })).json(), { success: 'Pause OK' });
    assert.deepEqual((await agentApi(app, { command: 'pause', agent: '1001' })).json(), { error: 'Agent alredy paused' });

    const text = (await get('/metrics')).body;
    assert.equal(sample(text, 'agentgate_commands_total', { command: 'login', outcome: 'loginOk', source: 'http' }), 1);
    assert.equal(sample(text, 'agentgate_commands_total', { command: 'pause', outcome: 'pauseOk', source: 'http' }), 1);
    assert.equal(sample(text, 'agentgate_commands_total', { command: 'pause', outcome: 'agentAlreadyPaused', source: 'http' }), 1);
    assert.equal(sample(text, 'agentgate_agents', { state: 'paused' }), 1);
    assert.equal(sample(text, 'agentgate_queue_agents', { queue: 'support', state: 'paused' }), 1);
    assert.equal(sample(text, 'agentgate_intents', { state: 'pending' }), 0);
    assert.match(text, /agentgate_ami_action_duration_seconds_count\{action="queueAdd",outcome="ok",pbx="default"\} 1/);
    assert.match(text, /agentgate_command_duration_seconds_count\{command="pause",source="http"\} 2/);

    assert.deepEqual((await agentApi(app, { command: 'logoff', agent: '1001' })).json(), { success: 'Logoff OK' });
  });

  test('an agent paused in one of its two queues is available in the list and in the metrics alike; paused in both, paused in both', async () => {
    const paused = async () => sample((await get('/metrics')).body, 'agentgate_agents', { state: 'paused' }) ?? 0;
    const entry = async () => ((await get('/api/agents')).json() as { agents: Array<Record<string, unknown>> }).agents.find((a) => a.agent === '1003')!;
    const start = await paused();
    for (const queue of ['support', 'sales']) assert.deepEqual((await agentApi(app, { command: 'login', agent: '1003', exten: '2003', queue })).json(), { success: 'Login OK' });
    // what a pause made on Asterisk in one queue leaves in the record
    await h.knex('session_queues').where({ agent: '1003', queue: 'sales' }).update({ paused: true, reason: 'Supervisor' });
    assert.deepEqual([(await entry()).state, (await entry()).paused_queues, await paused()], ['available', ['sales'], start]);
    assert.deepEqual((await agentApi(app, { command: 'pause', agent: '1003', reason: 'Almoco' })).json(), { success: 'Pause OK' });
    const e = await entry();
    assert.deepEqual([e.state, e.reason, await paused()], ['paused', 'Almoco', start + 1]);
    assert.deepEqual((await agentApi(app, { command: 'logoff', agent: '1003' })).json(), { success: 'Logoff OK' });
  });

  test('agentgate_sync_corrections_total counts what this instance\'s reconcile corrected; events written by others do not count', async () => {
    assert.deepEqual((await agentApi(app, { command: 'login', agent: '1002', exten: '2002', queue: 'sales' })).json(), { success: 'Login OK' });
    assert.deepEqual((await agentApi(app, { command: 'pause', agent: '1002', reason: 'Almoco' })).json(), { success: 'Pause OK' });
    // the record and Asterisk disagree without any event saying so; and a correction another instance wrote
    await h.knex('session_queues').where({ agent: '1002' }).update({ paused: false, reason: null });
    await h.knex('events').insert({ agent: '1001', exten: '2001', queue: 'support', kind: 'logoff', source: 'reconcile' });
    const keeper = new Keeper(h.deps, { reconcileMs: 0, onResync: metrics.onResync });
    try {
      keeper.request('reconcile');
      await keeper.idle();
    } finally {
      keeper.stop();
    }
    assert.equal((await h.knex('session_queues').where({ agent: '1002' }).first())?.paused, true, 'the reconcile took Asterisk\'s pause');
    const text = (await get('/metrics')).body;
    assert.equal(sample(text, 'agentgate_sync_corrections_total', { source: 'reconcile', kind: 'pause_taken' }), 1);
    assert.equal(sample(text, 'agentgate_sync_corrections_total', { source: 'reconcile', kind: 'dropped' }), 0);
    assert.equal(sample(text, 'agentgate_sync_corrections_total', { source: 'resync', kind: 'readded' }), 0);
    assert.deepEqual((await agentApi(app, { command: 'logoff', agent: '1002' })).json(), { success: 'Logoff OK' });
  });

  test('an app built without a metrics object keeps its own: /metrics answers metrics, never "shutting down"', async () => {
    const bare = buildHttp({ ...h.deps, access: accessCheck(parseAllowList('127.0.0.1/32'), []), readiness: async () => ({ database: true, pbx: true }) });
    try {
      assert.deepEqual((await agentApi(bare, { command: 'status', agent: '1001' })).statusCode, 200);
      const res = await bare.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1' });
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
      // (read line by line: a registry scraped within its first milliseconds has no event-loop sample yet)
      assert.match(res.body, /^agentgate_commands_total\{command="status",outcome="statusOk",source="http"\} 1$/m);
      assert.match(res.body, /^agentgate_agi_sessions 0$/m);
      assert.match(res.body, /^agentgate_database_up 1$/m);
    } finally {
      await bare.close();
    }
  });
});

describe('/openapi.json', () => {
  test('documents every route the service registers', async () => {
    const doc = (await get('/openapi.json')).json() as { openapi: string; paths: Record<string, Record<string, unknown>> };
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(doc, JSON.parse(JSON.stringify(openApiDocument())));
    const served = routes.filter((r) => r.method !== 'head' && r.method !== 'options');
    assert.ok(served.length >= 10, 'routes were seen');
    for (const r of served) assert.ok(doc.paths[r.url]?.[r.method], `${r.method.toUpperCase()} ${r.url} is documented`);
    for (const url of ['/api/agents', '/api/queues', '/api/events/stream', '/wallboard']) assert.ok(doc.paths[url], `${url} is documented`);
  });

  test('every documented answer of /api/agent.php is reachable, the outcome table exhaustively', async () => {
    const seen = new Map<string, { status: number; body: unknown }>();
    const record = (name: string, res: { statusCode: number; json(): unknown }): void => void seen.set(name, { status: res.statusCode, body: res.json() });
    const call = (params: Record<string, string>) => agentApi(app, params);

    const byKind: Record<OutcomeKind, () => Promise<void>> = {
      loginOk: async () => record('loginOk', await call({ command: 'login', agent: '1002', exten: '2002', queue: 'support' })),
      statusOk: async () => record('statusOk', await call({ command: 'status', agent: '1002' })),
      pauseOk: async () => record('pauseOk', await call({ command: 'pause', agent: '1002' })),
      agentAlreadyPaused: async () => record('agentAlreadyPaused', await call({ command: 'pause', agent: '1002' })),
      unpauseOk: async () => record('unpauseOk', await call({ command: 'unpause', agent: '1002' })),
      agentAlreadyAvailable: async () => record('agentAlreadyAvailable', await call({ command: 'unpause', agent: '1002' })),
      agentAlreadyLogged: async () => record('agentAlreadyLogged', await call({ command: 'login', agent: '1002', exten: '2004', queue: 'support' })),
      extenInUse: async () => record('extenInUse', await call({ command: 'login', agent: '1004', exten: '2002', queue: 'support' })),
      logoffOk: async () => record('logoffOk', await call({ command: 'logoff', agent: '1002' })),
      agentNotLogged: async () => record('agentNotLogged', await call({ command: 'logoff', agent: '1002' })),
      commandNotSpecified: async () => record('commandNotSpecified', await call({ agent: '1001' })),
      forbidden: async () => {
        const key = await createKey(h.knex, { name: 'outcomes-agent-1001', role: 'agent', agent: '1001' });
        const url = `/api/agent.php?${new URLSearchParams({ command: 'status', agent: '1002' })}`;
        record('forbidden', await app.inject({ method: 'GET', url, remoteAddress: '127.0.0.1', headers: { authorization: `Bearer ${key}` } }));
      },
      argumentInvalid: async () => record('argumentInvalid', await call({ command: 'dance', agent: '1001' })),
      agentNotSpecified: async () => record('agentNotSpecified', await call({ command: 'pause' })),
      agentNotExists: async () => record('agentNotExists', await call({ command: 'pause', agent: '9999' })),
      queueNotExists: async () => record('queueNotExists', await call({ command: 'login', agent: '1001', exten: '2001', queue: 'nosuch' })),
      extenNotExists: async () => record('extenNotExists', await call({ command: 'login', agent: '1001', exten: '2999', queue: 'support' })),
      queueNotCallcenter: async () => record('queueNotCallcenter', await call({ command: 'login', agent: '1001', exten: '2009', queue: 'billing' })),
      extenNotCallcenter: async () => record('extenNotCallcenter', await call({ command: 'login', agent: '1001', exten: '2009', queue: 'support' })),
      extenNotReachable: async () => {
        // a queue on a second PBX, and the extension's PBX has no remote_interface to be reached by
        await h.knex('pbxes').insert({ name: 'far', host: '127.0.0.1', port: 1, username: 'agentgate', secret_env: 'FAR_SECRET' });
        await h.knex('queues').insert({ name: 'faraway', number: '990', callcenter: true, pbx: 'far' });
        await appPbxes.readPlaces(h.knex);
        try {
          record('extenNotReachable', await call({ command: 'login', agent: '1003', exten: '2003', queue: 'faraway' }));
        } finally {
          await h.knex('queues').where({ name: 'faraway' }).delete();
          await h.knex('pbxes').where({ name: 'far' }).delete();
          await appPbxes.readPlaces(h.knex);
        }
      },
      pbxError: async () => {
        h.sim.mode = 'refuse';
        h.sim.refuseMessage = 'Unable to add interface: No such queue';
        try {
          record('pbxError', await call({ command: 'login', agent: '1003', exten: '2003', queue: 'support' }));
        } finally {
          h.sim.mode = 'normal';
        }
      },
      pbxUnavailable: async () => {
        h.sim.mode = 'silent';
        try {
          record('pbxUnavailable', await call({ command: 'login', agent: '1004', exten: '2004', queue: 'support' }));
        } finally {
          h.sim.mode = 'normal';
        }
      },
      databaseUnavailable: async () => {
        const dead = knexFactory({ client: 'pg', connection: { host: '127.0.0.1', port: 1, user: 'x', database: 'x', connectionTimeoutMillis: 500 }, pool: { min: 0, max: 1 }, acquireConnectionTimeout: 1000, log: quietLogger });
        const a = build(dead, { allow: '127.0.0.1/32' });
        try {
          record('databaseUnavailable', await agentApi(a, { command: 'pause', agent: '1001' }));
        } finally {
          await a.close();
          await dead.destroy();
        }
      },
      pauseNotAllowed: async () => {
        // a floor no pause can keep
        await h.knex('queues').where({ name: 'sales' }).update({ min_available: 1000 });
        await call({ command: 'login', agent: '1002', exten: '2002', queue: 'sales' });
        record('pauseNotAllowed', await call({ command: 'pause', agent: '1002', reason: 'Almoco' }));
      },
      pauseQueued: async () => {
        record('pauseQueued', await call({ command: 'pause', agent: '1002', reason: 'Almoco', wait: '1' }));
        assert.deepEqual((await call({ command: 'unpause', agent: '1002' })).json(), { success: 'Unpause OK' }, 'the unpause cancels it');
        await h.knex('queues').where({ name: 'sales' }).update({ min_available: null });
        await h.knex('pause_reasons').insert({ code: 77, name: 'Ask', approval: true });
      },
      pauseRequested: async () => record('pauseRequested', await call({ command: 'pause', agent: '1002', reason: 'Ask' })),
      noPauseRequested: async () => record('noPauseRequested', await call({ command: 'deny', agent: '1003' })),
      pauseDenied: async () => record('pauseDenied', await call({ command: 'deny', agent: '1002' })),
      pauseApproved: async () => {
        await call({ command: 'pause', agent: '1002', reason: 'Ask' });
        record('pauseApproved', await call({ command: 'approve', agent: '1002' }));
        await call({ command: 'logoff', agent: '1002' });
        await h.knex('pause_reasons').where({ code: 77 }).delete();
      },
      internalError: async () => {
        // a database without agentgate's schema: a failure that is nobody's fault but a bug's
        const url = new URL(process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
        const bare = knexFactory({ client: 'pg', connection: url.toString(), pool: { min: 0, max: 1 }, log: quietLogger });
        const a = build(bare, { allow: '127.0.0.1/32' });
        try {
          record('internalError', await agentApi(a, { command: 'pause', agent: '1001' }));
        } finally {
          await a.close();
          await bare.destroy();
        }
      },
    };
    // the compiler holds byKind to every outcome; it runs in its own order (a login before its pause)
    assert.deepEqual(Object.keys(byKind).sort(), Object.keys(OUTCOMES).sort());
    for (const run of Object.values(byKind)) await run();

    // the extras of the contract
    seen.set('forbidden', await app.inject({ method: 'GET', url: '/api/agent.php?command=status&agent=1001', remoteAddress: OUTSIDE }).then((r) => ({ status: r.statusCode, body: r.json() })));
    seen.set('tooLarge', await app.inject({ method: 'POST', url: '/api/agent.php', payload: `command=status&agent=${'1'.repeat(70_000)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, remoteAddress: '127.0.0.1' }).then((r) => ({ status: r.statusCode, body: r.json() })));
    seen.set('unsupportedType', await app.inject({ method: 'POST', url: '/api/agent.php', payload: '<command/>', headers: { 'content-type': 'application/xml' }, remoteAddress: '127.0.0.1' }).then((r) => ({ status: r.statusCode, body: r.json() })));
    const closing = build();
    await closing.ready();
    const closed = closing.close();
    seen.set('shuttingDown', await closing.inject({ method: 'GET', url: '/api/agent.php?command=status&agent=1001', remoteAddress: '127.0.0.1' }).then((r) => ({ status: r.statusCode, body: r.json() })));
    await closed;

    for (const [status, examples] of agentApiAnswers()) {
      for (const [name, { value }] of Object.entries(examples)) {
        const got = seen.get(name);
        assert.ok(got, `${name} was produced`);
        assert.equal(got.status, status, `${name}: ${JSON.stringify(got.body)}`);
        if (name === 'statusOk') assert.deepEqual(Object.keys(got.body as object).sort(), Object.keys(value as object).sort(), name);
        else if (name === 'pbxError') assert.deepEqual(got.body, { error: 'PBX error: Unable to add interface: No such queue' });
        else assert.deepEqual(got.body, value, name);
      }
    }
    assert.equal(Object.keys(AGENT_API_EXTRA).length + Object.keys(OUTCOMES).length, seen.size);
  });
});

const quietLogger = { warn() {}, error() {}, debug() {}, deprecate() {} };

/**
 * `npm run bench`: a fresh database, the simulated Asterisk and the service each in a process of
 * their own, then: HTTP commands against the floor, a shift-start storm of phone logins, memory
 * with idle FastAGI sessions, the embedded database against the server, and one service (then two)
 * over four simulated PBXs (test/bench/pbxes.ts). Says what it is doing
 * as it goes, prints a table and writes the figures to bench/results/<time>.json (ignored by git;
 * BENCH_OUT=FILE writes elsewhere): a run never changes a tracked file. `--smoke` runs it all with
 * tiny counts; `--only=feed,report` runs only those parts (see PARTS).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, setPriority, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createKey } from '../../src/access/keys.js';
import { openDatabase } from '../../src/db/connect.js';
import { migrate } from '../../src/db/migrate.js';
import { pino } from 'pino';
import { AmiPbx } from '../../src/ami/client.js';
import { PbxSet } from '../../src/ami/pbxes.js';
import { Claims } from '../../src/commands/claims.js';
import { Lamps } from '../../src/lamps/lamps.js';
import { resync } from '../../src/sync/resync.js';
import { breaksReport, parseBreaksRequest } from '../../src/breaks/report.js';
import { parseReportRequest } from '../../src/reports/params.js';
import { explainPauseReport, pauseReport } from '../../src/reports/pauses.js';
import { startAgiCall } from '../support/agi-caller.js';
import { accessLoad, accessRow } from './access.js';
import { type LoadResult, closedLoop, fixedRate, interleaved, percentile, timeAgentList } from './load.js';
import { writeCosts } from './writes.js';
import { pbxesBench, pbxesRows } from './pbxes.js';
import { type Proc, rssMb, start, stop, waitReady } from './procs.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** The parts of the bench, in the order they run; `--only=a,b` runs some of them. */
export const PARTS = ['http', 'feed', 'access', 'storm', 'lists', 'memory', 'reconcile', 'writes', 'embedded', 'report', 'pbxes'] as const;
export type Part = (typeof PARTS)[number];

export interface BenchOptions {
  smoke: boolean;
  /** Where the JSON goes. */
  out: string;
  log?: (line: string) => void;
  /** Only these parts (all when absent). `lists` runs the storm first: it lists the agents the storm logged in. */
  only?: ReadonlySet<Part> | undefined;
}

async function provision(knex: import('knex').Knex, n: number): Promise<void> {
  await knex('queues').insert([{ name: 'support', number: '100' }, { name: 'sales', number: '300' }]).onConflict('name').ignore();
  for (let i = 0; i < n; i += 500) {
    const rows = Array.from({ length: Math.min(500, n - i) }, (_, k) => i + k);
    await knex('agents').insert(rows.map((k) => ({ login: String(5001 + k), name: `Agent ${5001 + k}` }))).onConflict('login').ignore();
    await knex('extensions').insert(rows.map((k) => ({ exten: String(3001 + k), callcenter: true }))).onConflict('exten').ignore();
  }
}

/** Agents that are only listed (never log in during the bench), so /api/agents has its 10,000. */
async function provisionListed(knex: import('knex').Knex, extra: number): Promise<void> {
  for (let i = 0; i < extra; i += 1000) {
    const rows = Array.from({ length: Math.min(1000, extra - i) }, (_, k) => 20001 + i + k);
    await knex('agents').insert(rows.map((k) => ({ login: String(k), name: `Listed ${k}` }))).onConflict('login').ignore();
  }
}

function summary(r: LoadResult) {
  return {
    commands: r.count,
    perSecond: Math.round(r.count / r.seconds),
    p50ms: +percentile(r.latencies, 50).toFixed(2),
    p99ms: +percentile(r.latencies, 99).toFixed(2),
    errors: Object.values(r.errors).reduce((a, b) => a + b, 0),
  };
}

export async function runBench(opts: BenchOptions): Promise<Record<string, unknown>> {
  const say = opts.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const n = opts.smoke
    ? { agents: 1000, perLevel: 40, rate: 50, rateSeconds: 1, storm: 20, idle: 20, levels: [1, 8], listed: 1000, lists: 20, feedClients: 10 }
    : { agents: 1000, perLevel: 4000, rate: 500, rateSeconds: 8, storm: 1000, idle: 2000, levels: [1, 8, 32, 128], listed: 10_000, lists: 300, feedClients: 200 };
  // BENCH_PROFILE=DIR: the service writes a CPU profile there (node --cpu-prof) for `--cpu-prof` analysis.
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE] : [];
  const serviceArgs = opts.smoke && !process.env.BENCH_DIST ? ['--import', 'tsx', 'src/cli.ts', 'serve'] : [...profile, 'dist/cli.js', 'serve'];
  const dbName = `agentgate_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  const dbUrl = url.toString();
  const dataDir = mkdtempSync(join(tmpdir(), 'agentgate-bench-'));
  let sim: Proc | undefined;
  let svc: Proc | undefined;
  const results: Record<string, unknown> = {
    machine: { cores: cpus().length, cpu: cpus()[0]?.model, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version, platform: process.platform },
    at: new Date().toISOString(),
    smoke: opts.smoke,
    ...(opts.only ? { only: [...opts.only] } : {}),
  };
  const want = (part: Part) => !opts.only || opts.only.has(part) || (part === 'storm' && opts.only.has('lists'));
  try {
    const db = await openDatabase({ url: dbUrl, dataDir: '' });
    await migrate(db.knex);
    await provision(db.knex, n.agents);
    await provisionListed(db.knex, n.listed - n.agents);
    // the supervisor key the access part presents (created before the service starts)
    const supervisorKey = want('access') ? await createKey(db.knex, { name: 'bench-supervisor', role: 'supervisor' }) : '';
    await db.close();

    sim = await start(['--import', 'tsx', 'test/bench/sim-process.ts'], {}, (l) => typeof l.port === 'number');
    const amiPort = String(sim.line.port);
    const serviceEnv = { HTTP_PORT: '0', AGI_PORT: '0', AMI_PORT: amiPort, AMI_USERNAME: 'agentgate', AMI_SECRET: 'bench', LOG_LEVEL: 'info', AGI_MAX_SESSIONS: '10000' };
    if ((['http', 'feed', 'access', 'storm', 'memory'] as const).some(want)) {
      svc = await start(serviceArgs, { ...serviceEnv, DATABASE_URL: dbUrl }, (l) => l.msg === 'listening');
      await waitReady(Number(svc.line.http));
    }
    const httpPort = Number(svc?.line.http);
    const agiPort = Number(svc?.line.agi);
    const restRss = svc ? rssMb(svc.child.pid!) : 0;

    // 1. HTTP commands against the floor, at rising concurrency
    const levels: Record<string, unknown>[] = [];
    const xacts = async () => Number((await admin.query('select xact_commit + xact_rollback as n from pg_stat_database where datname = $1', [dbName])).rows[0].n);
    for (const c of want('http') ? n.levels : []) {
      say(`… http c=${c}: ${n.perLevel} commands through the service, then the same through the floor`);
      const before = await xacts();
      const service = summary(await closedLoop(httpPort, c, n.perLevel));
      // every statement of the service is its own transaction: this is its round trips per command
      const roundTrips = +((await xacts()) - before) / service.commands;
      const floorProc = await start(['--import', 'tsx', 'test/bench/floor.ts', amiPort, dbUrl, String(c), String(n.perLevel)], {}, (l) => typeof l.count === 'number');
      const floorRaw = floorProc.line as unknown as LoadResult;
      const floor = summary({ ...floorRaw, errors: {} });
      levels.push({ concurrency: c, service: { ...service, roundTrips: +roundTrips.toFixed(2) }, floor: { ...floor, roundTrips: 5 }, ratio: +(service.perSecond / floor.perSecond).toFixed(2) });
      say(`http c=${c}: ${service.perSecond}/s p50 ${service.p50ms} ms p99 ${service.p99ms} ms, ${roundTrips.toFixed(2)} round trips/command | floor ${floor.perSecond}/s, 5 round trips | ratio ${(service.perSecond / floor.perSecond).toFixed(2)}`);
    }
    if (want('http')) {
      results.http = levels;
      // half the floor's measured capacity (its best level), as the target says
      const floorBest = Math.max(...levels.map((l) => (l.floor as { perSecond: number }).perSecond));
      const target = opts.smoke ? n.rate : Math.max(50, Math.round(floorBest / 2));
      say(`… http at a fixed ${target}/s for ${n.rateSeconds} s`);
      const rate = summary(await fixedRate(httpPort, target, n.rateSeconds));
      results.fixedRate = { rate: target, ...rate };
      say(`http at ${target}/s (half the floor's best): p50 ${rate.p50ms} ms p99 ${rate.p99ms} ms, errors ${rate.errors}`);
    }

    // 1b. The same mix with live-feed clients connected (in a process of their own), against runs
    // without them, interleaved, so both see the same machine.
    if (want('feed')) {
      // run alone, the service first warms up as the HTTP part would have warmed it
      if (!want('http')) await closedLoop(httpPort, 8, n.perLevel);
      results.feedLoad = await feedLoad(httpPort, svc!.child.pid!, n, say);
    }

    // 1c. The same mix with a supervisor key beside the allow-listed caller's (no key): what access
    // checks and the actor cost
    if (want('access')) {
      if (!want('http') && !want('feed')) await closedLoop(httpPort, 8, n.perLevel);
      results.accessLoad = await accessLoad(httpPort, svc!.child.pid!, supervisorKey, n.perLevel, say);
    }

    // 2. Shift-start storm: every agent logs in by phone at once, typing its id
    if (want('storm')) {
      say(`… storm: ${n.storm} phone logins at once`);
      const stormStart = performance.now();
      const calls = await Promise.all(
        Array.from({ length: n.storm }, (_, k) =>
          startAgiCall(agiPort, {
            script: 'login?queue=100',
            callerId: String(3001 + k),
            language: 'pt_BR',
            dtmf: [String(5001 + k)],
            // an agent takes 1 to 4 s to type its id: the caller's wait, not counted as time in the service
            typingMs: () => (opts.smoke ? 10 : 1000 + Math.random() * 3000),
          }).done,
        ),
      );
      const stormSeconds = (performance.now() - stormStart) / 1000;
      const inService = calls.map((c) => c.serviceMs);
      const failures = calls.filter((c) => c.variablesSet.AGENTGATE_RESULT !== 'success').length;
      // The turns up to the id's question (connect → ANSWER → the channel's language → GET DATA) are the
      // 1,000 connections arriving in the same instant; what follows the typed id is the login itself.
      // Turn k ends with the server's command k, so the turns after the id's question begin at its index + 1.
      const asked = (c: (typeof calls)[number]) => c.commands.findIndex((cmd) => cmd.startsWith('GET DATA agentgate/enter-agent'));
      const afterId = calls.map((c) => (asked(c) < 0 ? Number.NaN : c.turnsMs.slice(asked(c) + 1).reduce((a, b) => a + b, 0)));
      // of which the first turn is the login itself (lookup, claim, QueueAdd, settle); the rest set the
      // channel's variables and play the answer
      const loginTurn = calls.map((c) => c.turnsMs[asked(c) + 1] ?? Number.NaN);
      // /api/agents now: the storm left its agents logged in, the rest of the provisioned ones are off.
      if (want('lists')) results.agentsList = await listCost(httpPort, n.lists, n.listed, say);

      results.storm = {
        logins: n.storm,
        seconds: +stormSeconds.toFixed(2),
        p50ms: +percentile(inService, 50).toFixed(2),
        p99ms: +percentile(inService, 99).toFixed(2),
        afterIdP50ms: +percentile(afterId, 50).toFixed(2),
        afterIdP99ms: +percentile(afterId, 99).toFixed(2),
        loginTurnP50ms: +percentile(loginTurn, 50).toFixed(2),
        loginTurnP99ms: +percentile(loginTurn, 99).toFixed(2),
        failures,
      };
      say(`storm: ${n.storm} phone logins in ${stormSeconds.toFixed(2)} s, in service p50 ${percentile(inService, 50).toFixed(1)} ms p99 ${percentile(inService, 99).toFixed(1)} ms (after the typed id: p50 ${percentile(afterId, 50).toFixed(1)} ms p99 ${percentile(afterId, 99).toFixed(1)} ms; the login's own turn p50 ${percentile(loginTurn, 50).toFixed(1)} ms p99 ${percentile(loginTurn, 99).toFixed(1)} ms), failures ${failures}`);
    }

    // 3. Memory: idle FastAGI sessions (each waiting for the caller's digits)
    if (want('memory')) {
      say(`… memory: ${n.idle} idle FastAGI sessions`);
      let release!: () => void;
      const hold = new Promise<void>((r) => (release = r));
      const idle = Array.from({ length: n.idle }, (_, k) => startAgiCall(agiPort, { script: 'login', callerId: String(3001 + (k % n.agents)), holdGetData: hold }));
      for (let i = 0; i < 400 && idle.filter((c) => c.record.commands.some((l) => l.startsWith('GET DATA'))).length < n.idle; i++) await new Promise((r) => setTimeout(r, 25));
      const waiting = idle.filter((c) => c.record.commands.some((l) => l.startsWith('GET DATA'))).length;
      const idleRss = rssMb(svc!.child.pid!);
      for (const c of idle) c.socket.destroy();
      release();
      results.memory = { restMb: +restRss.toFixed(1), idleSessions: waiting, idleMb: +idleRss.toFixed(1) };
      say(`memory: ${restRss.toFixed(0)} MB at rest, ${idleRss.toFixed(0)} MB with ${waiting} idle FastAGI sessions`);
    }
    await stop(svc);
    svc = undefined;

    // 4. A reconcile with many members: every one logged in, in the record and in Asterisk, compared
    if (want('reconcile')) {
      say(`… reconcile: ${opts.smoke ? 200 : 10_000} members logged in, then one reconcile timed`);
      const members = opts.smoke ? 200 : 10_000;
      results.reconcile = await reconcileCost(dbUrl, amiPort, members);
      say(`reconcile with ${members} members: ${JSON.stringify(results.reconcile)}`);
    }

    // 4b. What each write of a command costs, one piece taken away at a time (its own database)
    if (want('writes')) {
      say('… writes: one command at a time, with and without each trigger, index, the report text and the lamp');
      results.writes = await writeCosts(ADMIN_URL, amiPort, opts.smoke ? 40 : 800, say);
    }

    // 5. Embedded database against the server, at one concurrency
    if (want('embedded')) {
      say(`… embedded database: opening PGlite and provisioning ${n.agents} agents, then ${n.perLevel} commands`);
      const embeddedDb = await openDatabase({ dataDir });
      await migrate(embeddedDb.knex);
      await provision(embeddedDb.knex, n.agents);
      await embeddedDb.close();
      svc = await start(serviceArgs, { ...serviceEnv, DATA_DIR: dataDir, DATABASE_URL: '' }, (l) => l.msg === 'listening');
      await waitReady(Number(svc.line.http));
      const embedded = summary(await closedLoop(Number(svc.line.http), 8, n.perLevel));
      const server = (levels.find((l) => l.concurrency === 8) ?? levels[0])?.service;
      results.embedded = { concurrency: 8, pglite: embedded, postgres: server };
      say(`embedded (PGlite) c=8: ${embedded.perSecond}/s p99 ${embedded.p99ms} ms vs Postgres ${JSON.stringify(server)}`);
      await stop(svc);
      svc = undefined;
    }

    // 6. The pause report over a month of events (2,000 agents × 30 days × 18 events ≈ 1.08 M)
    if (want('report')) {
      results.report = await reportBench(dbUrl, opts.smoke ? { agents: 50, days: 2 } : { agents: 2000, days: 30 });
      const rep = results.report as { events: number; ms: Record<string, number> };
      say(`pause report over ${rep.events} events: ${Object.entries(rep.ms).map(([g, ms]) => `by ${g} ${ms} ms`).join(', ')}`);
      const br = (results.report as { breaks: { ms: number; shifts: number } }).breaks;
      say(`breaks report over the same record: ${br.ms} ms, ${br.shifts} shifts`);
    }

    // 7. Four PBXs: logins, the list, a late PBX, memory, a reconcile of all; then two instances (its own database and simulators)
    if (want('pbxes')) results.pbxes = await pbxesBench(ADMIN_URL, serviceArgs, opts.smoke, say);
  } finally {
    await stop(svc);
    await stop(sim);
    await admin.query(`drop database if exists ${dbName} with (force)`).catch(() => undefined);
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
  }
  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, `${JSON.stringify(results, null, 2)}\n`);
  return results;
}

/**
 * The HTTP mix at 8 clients without and with `feedClients` live-feed clients connected, two runs
 * each, interleaved (without, with, with, without) so that a machine getting busier or quieter
 * meanwhile weighs on both. The clients run in a process of their own at the lowest CPU priority:
 * real wallboards are on other machines, and on these two cores their reading would otherwise be
 * charged to the service. The service's own CPU time per command, with and without, is the figure
 * the rest of the machine moves least.
 */
async function feedLoad(port: number, servicePid: number, n: { perLevel: number; feedClients: number }, say: (l: string) => void): Promise<Record<string, unknown>> {
  const level = 8;
  let bytes = 0;
  let everyClientUpTo = true;
  const by = await interleaved(servicePid, ['without', 'with'], async (mode, timed) => {
    const watchers =
      mode === 'with' ? await start(['--import', 'tsx', 'test/bench/feed-clients.ts', String(port), String(n.feedClients)], {}, (l) => l.connected === n.feedClients) : undefined;
    if (watchers) setPriority(watchers.child.pid!, 19);
    await timed(() => closedLoop(port, level, n.perLevel));
    if (!watchers) return;
    const delivered = new Promise<Record<string, number>>((resolve) => {
      createInterface({ input: watchers.child.stdout! }).on('line', (l) => l.includes('"done"') && resolve(JSON.parse(l)));
    });
    await new Promise((r) => setTimeout(r, 1000)); // the feed's last write reaches them
    watchers.child.kill('SIGTERM');
    const got = await delivered;
    bytes += got.bytes!;
    everyClientUpTo &&= got.minLastId === got.maxLastId;
  });
  const without = summary(by.without.result);
  const withFeed = summary(by.with.result);
  const perCommand = (mode: 'without' | 'with') => by[mode].cpuUsPerCommand;
  const ratio = +(withFeed.perSecond / without.perSecond).toFixed(2);
  say(
    `http c=${level} with ${n.feedClients} feed clients: ${withFeed.perSecond}/s p99 ${withFeed.p99ms} ms vs ${without.perSecond}/s without (×${ratio}); ` +
      `service CPU ${perCommand('with')} µs/command vs ${perCommand('without')}; ${(bytes / 1e6).toFixed(1)} MB streamed`,
  );
  return {
    clients: n.feedClients,
    concurrency: level,
    without,
    with: withFeed,
    ratio,
    serviceCpuUsPerCommand: { without: perCommand('without'), with: perCommand('with') },
    megabytesSent: +(bytes / 1e6).toFixed(1),
    everyClientUpTo,
  };
}

/** `/api/agents`, `times` times in a row on one kept-alive connection. */
async function listCost(port: number, times: number, listed: number, say: (l: string) => void): Promise<Record<string, number>> {
  const { p50ms, p99ms, bytes } = await timeAgentList(port, times);
  say(`/api/agents with ${listed} agents: p50 ${p50ms} ms p99 ${p99ms} ms, ${Math.round(bytes / 1000)} kB`);
  return { agents: listed, p50ms, p99ms, kilobytes: Math.round(bytes / 1000) };
}

/** Logs `members` agents in (straight into the record and Asterisk), then times one reconcile that finds nothing to do. */
async function reconcileCost(dbUrl: string, amiPort: string, members: number): Promise<Record<string, number>> {
  const db = await openDatabase({ url: dbUrl, dataDir: '' });
  const pbx = new AmiPbx({ host: '127.0.0.1', port: Number(amiPort), username: 'agentgate', secret: 'bench', timeoutMs: 60_000, logger: pino({ level: 'silent' }) });
  try {
    await provision(db.knex, members);
    const up = new Promise<void>((r) => pbx.once('connected', () => r()));
    pbx.start();
    await up;
    const rows = Array.from({ length: members }, (_, k) => ({ agent: String(5001 + k), exten: String(3001 + k), iface: `PJSIP/${3001 + k}` }));
    await db.knex('agent_sessions').delete();
    for (let i = 0; i < rows.length; i += 1000) {
      const part = rows.slice(i, i + 1000);
      await db.knex('agent_sessions').insert(part.map((r) => ({ agent: r.agent, exten: r.exten, interface: r.iface, member_name: r.agent })));
      await db.knex('session_queues').insert(part.map((r) => ({ agent: r.agent, queue: 'support' })));
      await Promise.all(part.map((r) => pbx.queueAdd({ queue: 'support', interface: r.iface, memberName: r.agent }).catch(() => undefined)));
    }
    const log = pino({ level: 'silent' });
    const pbxes = PbxSet.of({ default: pbx });
    const deps = { db: db.knex, pbxes, log, memberInterface: 'PJSIP/{exten}', claims: new Claims(60_000), lamps: new Lamps(pbxes, log) };
    // the phone lamps as a running service keeps them, so the timed reconcile only reads them
    await deps.lamps.sweep(db.knex);
    const rssBefore = process.memoryUsage().rss;
    const t = performance.now();
    const report = await resync(deps, 'reconcile');
    const ms = performance.now() - t;
    return { members, ms: Math.round(ms), corrections: report ? report.readded + report.pauseTaken + report.dropped + report.lamps : -1, heapMbDelta: Math.round((process.memoryUsage().rss - rssBefore) / 2 ** 20) };
  } finally {
    await pbx.close();
    await db.close();
  }
}

/**
 * Each agent, each day of October 2026 (Sao Paulo): logs in to two queues, pauses six times for all
 * of them (one reason of four, or none), is paused in one queue by Asterisk once, logs off.
 */
const REPORT_EVENTS = `
insert into events (at, agent, exten, queue, kind, reason, source)
select (d + time '08:00' + make_interval(mins => a % 60, secs => s.off + (a * 7 + extract(day from d)::int * 13) % 300)) at time zone 'America/Sao_Paulo',
       (5000 + a)::text, (3000 + a)::text, s.queue, s.kind,
       case when s.kind = 'pause' and s.queue is null then (array['Almoco', 'Banheiro', 'Treinamento', null])[1 + (a + s.n + extract(day from d)::int) % 4] end,
       s.source
  from generate_series(1, ?::int) a
 cross join (select date '2026-10-01' + ?::int as d) d
 cross join (values
   (0, 0, 'support', 'login', 'http'), (0, 1, 'sales', 'login', 'http'),
   (1, 3600, null, 'pause', 'http'), (1, 4200, null, 'unpause', 'http'),
   (2, 7200, null, 'pause', 'phone'), (2, 7500, null, 'unpause', 'phone'),
   (3, 10800, null, 'pause', 'http'), (3, 12600, null, 'unpause', 'http'),
   (4, 14400, null, 'pause', 'phone'), (4, 15000, null, 'unpause', 'phone'),
   (5, 18000, null, 'pause', 'http'), (5, 18900, null, 'unpause', 'http'),
   (6, 21600, null, 'pause', 'http'), (6, 22200, null, 'unpause', 'http'),
   (7, 25200, 'sales', 'pause', 'pbx'), (7, 25800, 'sales', 'unpause', 'pbx'),
   (8, 32400, 'support', 'logoff', 'http'), (8, 32401, 'sales', 'logoff', 'http')
 ) s(n, off, queue, kind, source)`;

async function reportBench(dbUrl: string, n: { agents: number; days: number }): Promise<Record<string, unknown>> {
  const db = await openDatabase({ url: dbUrl, dataDir: '' });
  try {
    // the agents are provisioned (the report names them, and splits them in two at the middle login)
    await db.knex.raw(`insert into agents (login, name) select (5000 + a)::text, 'Agent ' || (5000 + a) from generate_series(1, ?::int) a on conflict (login) do nothing`, [n.agents]);
    // a day at a time: each statement stays well inside the pool's statement timeout
    for (let day = 0; day < n.days; day++) await db.knex.raw(REPORT_EVENTS, [n.agents, day]);
    await db.knex.raw('vacuum analyze events');
    const to = new Date(Date.UTC(2026, 9, n.days)).toISOString().slice(0, 10);
    const events = Number((await db.knex.raw(`select count(*)::int as n from events where at >= '2026-10-01T03:00Z' and at < ?`, [new Date(Date.UTC(2026, 9, n.days + 1, 3))])).rows[0].n);
    const ms: Record<string, number> = {};
    for (const group of ['agent', 'reason', 'queue', 'day'] as const) {
      const req = parseReportRequest({ from: '2026-10-01', to, tz: 'America/Sao_Paulo', group });
      const runs: number[] = [];
      for (let i = 0; i < 3; i++) {
        const t = performance.now();
        await pauseReport(db.knex, req);
        runs.push(performance.now() - t);
      }
      ms[group] = Math.round(runs.sort((a, b) => a - b)[1]!); // the median of three
    }
    const plan = await explainPauseReport(db.knex, parseReportRequest({ from: '2026-10-01', to, tz: 'America/Sao_Paulo', group: 'agent' }));
    // the breaks report over the same month: Banheiro counts as a rest break, Almoco as the meal
    await db.knex('pause_reasons').insert([{ code: 9001, name: 'Almoco', break: 'meal' }, { code: 9002, name: 'Banheiro', break: 'rest' }]).onConflict('code').merge();
    const breaksReq = parseBreaksRequest({ from: '2026-10-01', to, tz: 'America/Sao_Paulo' });
    const runs: number[] = [];
    let shifts = 0;
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      shifts = (await breaksReport(db.knex, breaksReq)).rows.length;
      runs.push(performance.now() - t);
    }
    const breaks = { ms: Math.round(runs.sort((a, b) => a - b)[1]!), shifts };
    return { agents: n.agents, days: n.days, events, ms, plan, breaks };
  } finally {
    await db.close();
  }
}

function reportRow(rep: { events: number; agents: number; days: number; ms: Record<string, number>; breaks?: { ms: number; shifts: number } }): string {
  const pauses = `| pause report, ${rep.events.toLocaleString('en')} events (${rep.agents} agents × ${rep.days} days) | ${Object.entries(rep.ms).map(([g, ms]) => `by ${g} ${ms} ms`).join(', ')} (median of 3) | ≤ 1 s |`;
  if (!rep.breaks) return pauses;
  return `${pauses}\n| breaks report, the same record | ${rep.breaks.ms} ms for ${rep.breaks.shifts.toLocaleString('en')} shifts (median of 3) | ≤ 1 s |`;
}

function table(r: Record<string, any>): string {
  const rows = [
    '| measure | figure | target |',
    '|---|---|---|',
    ...((r.http ?? []) as any[]).map((l) => `| HTTP mix, ${l.concurrency} clients | ${l.service.perSecond}/s (floor ${l.floor.perSecond}/s, ×${l.ratio}), p50 ${l.service.p50ms} ms, p99 ${l.service.p99ms} ms; ${l.service.roundTrips} round trips per command (floor 5) | ≥ 1.0 × floor |`),
    r.fixedRate && `| HTTP at ${r.fixedRate.rate}/s (half the floor's capacity) | p50 ${r.fixedRate.p50ms} ms, p99 ${r.fixedRate.p99ms} ms, ${r.fixedRate.errors} errors | p99 ≤ 10 ms |`,
    r.reconcile && `| reconcile with ${r.reconcile.members} members (nothing to correct) | ${r.reconcile.ms} ms | |`,
    r.storm && `| storm: ${r.storm.logins} phone logins at once | ${r.storm.seconds} s, in service p50 ${r.storm.p50ms} ms, p99 ${r.storm.p99ms} ms (after the typed id: p50 ${r.storm.afterIdP50ms} ms, p99 ${r.storm.afterIdP99ms} ms; the login's own turn p50 ${r.storm.loginTurnP50ms} ms, p99 ${r.storm.loginTurnP99ms} ms), ${r.storm.failures} failures | ≤ 10 s, p99 ≤ 50 ms, 0 failures |`,
    r.feedLoad && `| HTTP mix, ${r.feedLoad.concurrency} clients, with ${r.feedLoad.clients} live-feed clients connected (their process niced) | ${r.feedLoad.with.perSecond}/s (×${r.feedLoad.ratio} of ${r.feedLoad.without.perSecond}/s without, runs interleaved), p99 ${r.feedLoad.with.p99ms} ms; service CPU ${r.feedLoad.serviceCpuUsPerCommand.with} µs per command (${r.feedLoad.serviceCpuUsPerCommand.without} without); ${r.feedLoad.megabytesSent} MB streamed | ≥ 0.9 × without |`,
    r.accessLoad && accessRow(r.accessLoad),
    r.agentsList && `| \`/api/agents\`, ${r.agentsList.agents} agents (${r.agentsList.kilobytes} kB) | p50 ${r.agentsList.p50ms} ms, p99 ${r.agentsList.p99ms} ms | p99 ≤ 100 ms |`,
    r.memory && `| RSS at rest | ${r.memory.restMb} MB | |`,
    r.memory && `| RSS with ${r.memory.idleSessions} idle FastAGI sessions | ${r.memory.idleMb} MB | ≤ 200 MB |`,
    ...((r.writes ?? []) as any[]).map((w) => `| one command at a time, ${w.variant} | p50 ${w.without.commandMs} ms (claim ${w.without.claimMs}, settle ${w.without.settleMs}) against ${w.shipped.commandMs} ms as shipped (claim ${w.shipped.claimMs}, settle ${w.shipped.settleMs}): ${w.costUs} µs a command | |`),
    r.embedded && `| embedded (PGlite), 8 clients | ${r.embedded.pglite.perSecond}/s, p99 ${r.embedded.pglite.p99ms} ms${r.embedded.postgres ? ` (Postgres: ${r.embedded.postgres.perSecond}/s)` : ''} | |`,
    r.report && reportRow(r.report),
    ...(r.pbxes ? pbxesRows(r.pbxes) : []),
  ].filter(Boolean);
  return rows.join('\n');
}

/** `--only=report,lists` (or `--only report,lists`): those parts only; `--report` is `--only=report`. */
function onlyOf(argv: string[]): Set<Part> | undefined {
  const i = argv.findIndex((a) => a === '--only' || a.startsWith('--only='));
  const list = i < 0 ? (argv.includes('--report') ? 'report' : undefined) : argv[i]!.startsWith('--only=') ? argv[i]!.slice(7) : argv[i + 1];
  if (list === undefined) return undefined;
  const parts = list.split(',').filter(Boolean);
  const bad = parts.filter((p) => !(PARTS as readonly string[]).includes(p));
  if (bad.length || parts.length === 0) {
    process.stderr.write(`--only takes a list of ${PARTS.join(', ')}; not ${bad.join(', ') || 'nothing'}\n`);
    process.exit(2);
  }
  return new Set(parts as Part[]);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const smoke = process.argv.includes('--smoke');
  const only = onlyOf(process.argv.slice(2));
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const out = process.env.BENCH_OUT ?? join(ROOT, 'bench', 'results', `${smoke ? 'smoke-' : ''}${only ? `${[...only].join('-')}-` : ''}${stamp}.json`);
  const started = performance.now();
  process.stdout.write(
    `agentgate bench${smoke ? ' (smoke)' : ''}${only ? ` (only ${[...only].join(', ')})` : ''}: ${only ? 'a part of it' : `about ${smoke ? '30 s' : '3½ minutes'}`} on a quiet machine, several times that on a busy one; each step is announced before it runs\n`,
  );
  const r = await runBench({ smoke, out, only });
  if (r.report) process.stdout.write(`\n${((r.report as { plan: string[] }).plan).join('\n')}\n`);
  process.stdout.write(`\n${table(r)}\n\n${(r.machine as any).cores} cores, ${(r.machine as any).cpu}, Node ${(r.machine as any).node}; ${((performance.now() - started) / 1000).toFixed(0)} s; figures in ${out}\n`);
}

export { table };

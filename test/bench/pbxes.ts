/**
 * The `pbxes` part: one agentgate serving four simulated Asterisk servers (a process of their own,
 * real AMI over TCP on 127.0.0.1, the fourth behind a proxy that can answer late), provisioned in
 * `pbxes:` with their queues and extensions, in a database of its own. Then two instances × the
 * same four PBXs: the AMI connections each PBX holds, what a burst of member events costs each
 * instance, and how long after `kill -9` of the instance holding a PBX's resync lease another
 * instance's resync of that PBX begins.
 */
import { rmSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { pino } from 'pino';
import { AmiPbx } from '../../src/ami/client.js';
import { PbxSet } from '../../src/ami/pbxes.js';
import { Claims } from '../../src/commands/claims.js';
import { openDatabase } from '../../src/db/connect.js';
import { migrate } from '../../src/db/migrate.js';
import { Lamps } from '../../src/lamps/lamps.js';
import { applyProvision, readProvisionFile } from '../../src/provision/apply.js';
import { resync } from '../../src/sync/resync.js';
import { CYCLE, type LoadResult, cpuMs, get, percentile, timeAgentList, together } from './load.js';
import { type Proc, rssMb, start, stop } from './procs.js';

const PBXS = 4;
const name = (k: number) => `p${k + 1}`;

interface Sizes {
  agents: number;
  logins: number;
  clients: number;
  lists: number;
  /** Agents per fast PBX that run the login → pause → unpause → logoff mix, and its clients. */
  mixPool: number;
  mixClients: number;
  mixPerRun: number;
  /** Logins on the late PBX meanwhile, a second (fresh agents: none waits on its own last command). */
  trickleRate: number;
  lateMs: number;
}

const SMOKE: Sizes = { agents: 160, logins: 40, clients: 8, lists: 5, mixPool: 8, mixClients: 6, mixPerRun: 48, trickleRate: 5, lateMs: 300 };
const FULL: Sizes = { agents: 10_000, logins: 2000, clients: 32, lists: 300, mixPool: 256, mixClients: 24, mixPerRun: 2000, trickleRate: 10, lateMs: 3000 };

/** Agent i: login 10000+i on extension 20000+i, on PBX floor(i / per) with its queue support-k. */
function agentOf(i: number, per: number) {
  const k = Math.floor(i / per);
  return { agent: String(10_000 + i), exten: String(20_000 + i), queue: `support-${k + 1}`, iface: `PJSIP/${20_000 + i}`, pbx: k };
}

function provisionYaml(ports: number[], agents: number): string {
  const per = agents / PBXS;
  const lines = ['pbxes:'];
  for (let k = 0; k < PBXS; k++) lines.push(`  - { name: ${name(k)}, ami: { host: 127.0.0.1, port: ${ports[k]}, username: agentgate, secret_env: PBX_${name(k).toUpperCase()}_SECRET } }`);
  lines.push('queues:');
  for (let k = 0; k < PBXS; k++) {
    lines.push(`  - { name: support-${k + 1}, number: ${101 + k}, callcenter: true, pbx: ${name(k)} }`);
    lines.push(`  - { name: sales-${k + 1}, number: ${301 + k}, callcenter: true, pbx: ${name(k)} }`);
  }
  // one extension of each PBX here; the rest go in as rows (the file's path takes a minute for 10,000)
  lines.push('extensions:');
  for (let k = 0; k < PBXS; k++) lines.push(`  - { exten: "${20_000 + k * per}", callcenter: true, pbx: ${name(k)} }`);
  lines.push('pause_reasons:', '  - { code: 1, name: Almoco }');
  return `${lines.join('\n')}\n`;
}

/** The extensions and agents the file left out, as provisioning writes them: each extension with its PBX. */
async function provisionRows(knex: import('knex').Knex, agents: number): Promise<void> {
  const per = agents / PBXS;
  for (let i = 0; i < agents; i += 1000) {
    const rows = Array.from({ length: Math.min(1000, agents - i) }, (_, k) => i + k);
    await knex('extensions').insert(rows.map((k) => ({ exten: String(20_000 + k), callcenter: true, pbx: name(Math.floor(k / per)) }))).onConflict('exten').ignore();
    await knex('agents').insert(rows.map((k) => ({ login: String(10_000 + k), name: `Agent ${10_000 + k}` }))).onConflict('login').ignore();
  }
}

function url(command: string, a: ReturnType<typeof agentOf>): string {
  return `/api/agent.php?command=${command}&agent=${a.agent}&exten=${a.exten}&queue=${a.queue}&reason=Almoco`;
}

const OK = /"success"/;

/** `concurrency` clients, each asking `next(worker, slot)` for its next path until it says undefined. */
async function loop(port: number, concurrency: number, next: (w: number, slot: number) => string | undefined): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (let slot = 0; ; slot++) {
        const path = next(w, slot);
        if (path === undefined) return;
        const t = performance.now();
        const res = await get(agent, port, path).catch((err: Error) => ({ status: 0, body: err.message }));
        latencies.push(performance.now() - t);
        if (!OK.test(res.body)) errors[res.body] = (errors[res.body] ?? 0) + 1;
      }
    }),
  );
  agent.destroy();
  return { count: latencies.length, seconds: (performance.now() - started) / 1000, latencies, errors };
}

function figures(r: LoadResult) {
  return {
    commands: r.count,
    seconds: +r.seconds.toFixed(2),
    perSecond: Math.round(r.count / r.seconds),
    p50ms: +percentile(r.latencies, 50).toFixed(2),
    p99ms: +percentile(r.latencies, 99).toFixed(2),
    failures: Object.values(r.errors).reduce((a, b) => a + b, 0),
  };
}

/** The simulators' process: one JSON command a line, one answer a line. */
class Sims {
  private readonly waiting: Array<{ op: string; resolve: (l: Record<string, unknown>) => void }> = [];

  constructor(readonly proc: Proc) {
    createInterface({ input: proc.child.stdout! }).on('line', (text) => {
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return;
      }
      const i = this.waiting.findIndex((w) => w.op === line.op);
      if (i >= 0) this.waiting.splice(i, 1)[0]!.resolve(line);
    });
  }

  /** Resolves with the next line whose op is `op`. */
  next(op: string): Promise<Record<string, unknown>> {
    return new Promise((resolve) => this.waiting.push({ op, resolve }));
  }

  ask(cmd: Record<string, unknown>): Promise<Record<string, unknown>> {
    const answer = this.next(cmd.op as string);
    this.proc.child.stdin!.write(`${JSON.stringify(cmd)}\n`);
    return answer;
  }

  async stats(): Promise<{ connections: number[]; members: number[] }> {
    return (await this.ask({ op: 'stats' })) as unknown as { connections: number[]; members: number[] };
  }
}

async function health(port: number): Promise<Record<string, string>> {
  const agent = new http.Agent();
  const res = await get(agent, port, '/readyz').catch(() => ({ status: 0, body: '{}' }));
  agent.destroy();
  try {
    return ((JSON.parse(res.body) as { pbxes?: Record<string, string> }).pbxes ?? {}) as Record<string, string>;
  } catch {
    return {};
  }
}

/** Until every PBX is up, as /readyz names them. */
async function allUp(port: number): Promise<void> {
  for (let i = 0; i < 3600; i++) {
    const h = await health(port);
    if (Array.from({ length: PBXS }, (_, k) => h[name(k)]).every((s) => s === 'up')) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the PBXs never were all up');
}

/**
 * Until these processes have been quiet (under 3 % of a core each over half a second) and `count`
 * (when given) stopped changing: what they were handling is done.
 */
async function quiet(pids: number[], count?: () => Promise<number>): Promise<void> {
  let last = count ? await count() : 0;
  let cpu = pids.map(cpuMs);
  let calm = 0;
  for (let i = 0; i < 240 && calm < 2; i++) {
    await new Promise((r) => setTimeout(r, 250));
    const now = pids.map(cpuMs);
    const n = count ? await count() : 0;
    calm = n === last && now.every((c, k) => c - cpu[k]! <= 10) ? calm + 1 : 0;
    cpu = now;
    last = n;
  }
}

export async function pbxesBench(adminUrl: string, serviceArgs: string[], smoke: boolean, say: (l: string) => void): Promise<Record<string, unknown>> {
  const n = smoke ? SMOKE : FULL;
  const per = n.agents / PBXS;
  const dbName = `agentgate_bench_pbxes_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  const u = new URL(adminUrl);
  u.pathname = `/${dbName}`;
  const dbUrl = u.toString();
  const dir = mkdtempSync(join(tmpdir(), 'agentgate-bench-pbxes-'));
  let sims: Sims | undefined;
  const services: Proc[] = [];
  const db = await openDatabase({ url: dbUrl, dataDir: '' });
  const out: Record<string, unknown> = { pbxes: PBXS, agents: n.agents };
  try {
    await migrate(db.knex);
    const simProc = await start(['--import', 'tsx', 'test/bench/sims-process.ts', String(PBXS)], {}, (l) => Array.isArray(l.ports), 'pipe');
    sims = new Sims(simProc);
    const ports = simProc.line.ports as number[];
    say(`… pbxes: provisioning ${PBXS} PBXs with ${n.agents.toLocaleString('en')} agents and extensions`);
    const file = join(dir, 'pbxes.yaml');
    writeFileSync(file, provisionYaml(ports, n.agents));
    const provisionStarted = performance.now();
    await applyProvision(db.knex, readProvisionFile(file), { prune: false, path: 'pbxes.yaml' });
    await provisionRows(db.knex, n.agents);
    say(`pbxes: provisioned in ${Math.round(performance.now() - provisionStarted)} ms`);

    const env: Record<string, string> = {
      DATABASE_URL: dbUrl,
      HTTP_PORT: '0',
      AGI_PORT: '0',
      LOG_LEVEL: 'info',
      // a late PBX's answers come well within it: its commands wait, they do not fail
      AMI_TIMEOUT_MS: '10000',
      RECONCILE_INTERVAL_S: '0',
      ...Object.fromEntries(Array.from({ length: PBXS }, (_, k) => [`PBX_${name(k).toUpperCase()}_SECRET`, 'bench'])),
    };
    const first = await start(serviceArgs, env, (l) => l.msg === 'listening');
    services.push(first);
    const port = Number(first.line.http);
    await allUp(port);
    await quiet([first.child.pid!]);
    const restMb = rssMb(first.child.pid!);
    const logged = new Set<number>();

    // 1. logins spread over the four PBXs, then the list, then a reconcile of all four
    const loginSet = Array.from({ length: n.logins }, (_, j) => (j % PBXS) * per + Math.floor(j / PBXS));
    say(`… pbxes: ${n.logins} HTTP logins over ${PBXS} PBXs, ${n.clients} clients`);
    let nextLogin = 0;
    const logins = figures(
      await loop(port, n.clients, () => {
        const i = loginSet[nextLogin++];
        return i === undefined ? undefined : url('login', agentOf(i, per));
      }),
    );
    for (const i of loginSet) logged.add(i);
    out.logins = { ...logins, clients: n.clients };
    say(`pbxes: ${logins.commands} logins in ${logins.seconds} s (${logins.perSecond}/s), p50 ${logins.p50ms} ms, p99 ${logins.p99ms} ms, ${logins.failures} failures`);

    await quiet([first.child.pid!]);
    const { p50ms, p99ms } = await timeAgentList(port, n.lists);
    out.agentsList = { agents: n.agents, loggedIn: logged.size, p50ms, p99ms };
    say(`pbxes: /api/agents with ${n.agents} agents over ${PBXS} PBXs: p50 ${p50ms} ms, p99 ${p99ms} ms`);

    // 2. the mix on the first three PBXs, with the fourth on time and 3 s late, interleaved
    await quiet([first.child.pid!]);
    say(`… pbxes: the mix on ${PBXS - 1} PBXs (${n.mixClients} clients) with the fourth answering on time and ${n.lateMs} ms late (runs interleaved)`);
    const pool = Array.from({ length: (PBXS - 1) * n.mixPool }, (_, j) => (j % (PBXS - 1)) * per + Math.floor(n.logins / PBXS) + Math.floor(j / (PBXS - 1)));
    const own = Array.from({ length: n.mixClients }, (_, w) => pool.filter((_, j) => j % n.mixClients === w));
    const steps = Math.max(4, Math.round(n.mixPerRun / n.mixClients / 4) * 4);
    // fresh agents of the late PBX, after those the logins took
    const fresh = Array.from({ length: per - Math.floor(n.logins / PBXS) }, (_, j) => (PBXS - 1) * per + Math.floor(n.logins / PBXS) + j);
    const runs: Record<'onTime' | 'late', LoadResult[]> = { onTime: [], late: [] };
    const trickles: Record<'onTime' | 'late', LoadResult[]> = { onTime: [], late: [] };
    // one run first, untimed: the service's first pauses, unpauses and logoffs warm it up, and would count against the first run
    for (const mode of ['warmUp', 'onTime', 'late', 'late', 'onTime'] as const) {
      await sims.ask({ op: 'latency', ms: mode === 'late' ? n.lateMs : 0 });
      let done = false;
      const trickle = (async (): Promise<LoadResult> => {
        const agent = new http.Agent({ keepAlive: true });
        const latencies: number[] = [];
        const errors: Record<string, number> = {};
        const pending: Promise<void>[] = [];
        const began = performance.now();
        for (let k = 0; !done; k++) {
          const wait = began + (k * 1000) / n.trickleRate - performance.now();
          if (wait > 1) await new Promise((r) => setTimeout(r, wait));
          const i = fresh.shift();
          if (done || i === undefined) break;
          const t = performance.now();
          pending.push(
            get(agent, port, url('login', agentOf(i, per))).then(
              (res) => {
                latencies.push(performance.now() - t);
                if (OK.test(res.body)) logged.add(i);
                else errors[res.body] = (errors[res.body] ?? 0) + 1;
              },
              (err: Error) => void (errors[err.message] = (errors[err.message] ?? 0) + 1),
            ),
          );
        }
        await Promise.all(pending);
        agent.destroy();
        return { count: latencies.length, seconds: (performance.now() - began) / 1000, latencies, errors };
      })();
      const mix = await loop(port, n.mixClients, (w, slot) => {
        const mine = own[w]!;
        if (slot >= steps || mine.length === 0) return undefined;
        return url(CYCLE[slot % CYCLE.length] as string, agentOf(mine[Math.floor(slot / CYCLE.length) % mine.length]!, per));
      });
      done = true;
      const logins = await trickle;
      if (mode === 'warmUp') continue;
      runs[mode].push(mix);
      trickles[mode].push(logins);
    }
    await sims.ask({ op: 'latency', ms: 0 });
    const onTime = figures(together(runs.onTime));
    const late = figures(together(runs.late));
    out.latePbx = {
      lateMs: n.lateMs,
      clients: n.mixClients,
      onTime,
      late,
      ratio: +(late.p99ms / onTime.p99ms).toFixed(2),
      eachRunP99ms: { onTime: runs.onTime.map((r) => +percentile(r.latencies, 99).toFixed(1)), late: runs.late.map((r) => +percentile(r.latencies, 99).toFixed(1)) },
      latePbxLogins: { onTime: figures(together(trickles.onTime)), late: figures(together(trickles.late)) },
    };
    say(`pbxes: the mix on ${PBXS - 1} PBXs: p99 ${late.p99ms} ms with the fourth ${n.lateMs} ms late vs ${onTime.p99ms} ms on time (×${(late.p99ms / onTime.p99ms).toFixed(2)}), ${late.failures + onTime.failures} failures`);

    // 3. every agent logged in: RSS with four connections and that many members
    const rest = Array.from({ length: n.agents }, (_, i) => i).filter((i) => !logged.has(i));
    say(`… pbxes: logging the other ${rest.length} agents in (${n.clients} clients)`);
    let nextRest = 0;
    const fill = figures(
      await loop(port, n.clients, () => {
        const i = rest[nextRest++];
        return i === undefined ? undefined : url('login', agentOf(i, per));
      }),
    );
    await quiet([first.child.pid!]);
    const members = (await sims.stats()).members.reduce((a, b) => a + b, 0);
    const fullMb = rssMb(first.child.pid!);
    out.memory = { restMb: +restMb.toFixed(1), members, mb: +fullMb.toFixed(1), fillFailures: fill.failures, fillPerSecond: fill.perSecond };
    say(`pbxes: RSS ${restMb.toFixed(0)} MB at rest, ${fullMb.toFixed(0)} MB with ${members} members over ${PBXS} PBXs (${fill.perSecond} logins/s, ${fill.failures} failures)`);

    say(`… pbxes: a reconcile of all ${PBXS} PBXs with ${members} members`);
    out.reconcile = await reconcileAll(db.knex, ports, members, simProc.child.pid!);
    say(`pbxes: reconcile of ${PBXS} PBXs: ${JSON.stringify(out.reconcile)}`);

    // 4. two instances × four PBXs
    const ifaces = Array.from({ length: per }, (_, j) => agentOf(j, per).iface);
    const queue0 = agentOf(0, per).queue;
    const pausedOn = async (queue: string) => Number((await db.knex('session_queues').where({ queue, paused: true }).count({ n: '*' }))[0]!.n);
    const pbxEvents = async () => Number((await db.knex('events').where({ source: 'pbx' }).count({ n: '*' }))[0]!.n);
    const burst = async (pids: number[]) => {
      const before = pids.map(cpuMs);
      const written = await pbxEvents();
      const t = performance.now();
      let reached = true;
      for (const paused of [true, false]) {
        await sims!.ask({ op: 'pause', pbx: 0, ifaces, paused });
        // the record says every member's new state (each event is checked against Asterisk under
        // the agent's claim: a check after the next burst would find nothing to record), then
        // every instance has handled what it read
        const want = paused ? ifaces.length : 0;
        let last = -1;
        let still = 0;
        // (a claim another instance holds is waited out: AMI_TIMEOUT_MS and a second, at most)
        for (let i = 0; i < 1800 && still < 150; i++) {
          const now = await pausedOn(queue0);
          if (now === want) break;
          still = now === last ? still + 1 : 0;
          last = now;
          await new Promise((r) => setTimeout(r, 100));
        }
        reached &&= (await pausedOn(queue0)) === want;
        await quiet(pids, pbxEvents);
      }
      const ms = performance.now() - t;
      const cpu = pids.map((p, k) => cpuMs(p) - before[k]!);
      return { events: ifaces.length * 2, reached, cpuMs: cpu, cpuUsPerEvent: cpu.map((c) => Math.round((c * 1000) / (ifaces.length * 2))), written: (await pbxEvents()) - written, wallMs: Math.round(ms) };
    };
    say(`… pbxes: a burst of ${ifaces.length * 2} member events on ${name(0)} (a supervisor pausing and unpausing everyone), one instance`);
    const alone = await burst([first.child.pid!]);
    say(`pbxes: one instance: ${alone.cpuMs[0]} ms CPU (${alone.cpuUsPerEvent[0]} µs an event), ${alone.written} rows written`);

    say('… pbxes: a second instance');
    const second = await start(serviceArgs, env, (l) => l.msg === 'listening');
    services.push(second);
    await allUp(Number(second.line.http));
    await quiet([first.child.pid!, second.child.pid!]);
    const connections = (await sims.stats()).connections;
    const both = await burst([first.child.pid!, second.child.pid!]);
    say(`pbxes: two instances: AMI connections per PBX ${connections.join(', ')}; the burst: ${both.cpuMs.join(' + ')} ms CPU (${both.cpuUsPerEvent.join(', ')} µs an event), ${both.written} rows written`);

    say(`… pbxes: kill -9 of the instance holding ${name(PBXS - 1)}'s resync lease`);
    const held = sims.next('held');
    await sims.ask({ op: 'holdResync', n: services.length });
    await sims.ask({ op: 'drop', pbx: PBXS - 1 });
    await held;
    const lease = async () => ((await db.knex('resync_lease').where({ pbx: name(PBXS - 1) }).first()) as { holder: string | null } | undefined)?.holder ?? null;
    // the resync takes its lease before it asks anything; it may come just after the calls' QueueStatus
    let holder = await lease();
    for (const until = performance.now() + 10_000; !holder && performance.now() < until; holder = await lease()) await new Promise((r) => setTimeout(r, 20));
    const victim = services.find((s) => holder?.includes(`:${s.child.pid}:`));
    if (!holder || !victim) throw new Error(`the held resync's lease: ${holder}`);
    const survivor = services.find((s) => s !== victim)!;
    const died = new Promise((r) => victim.child.once('exit', r));
    // the survivor's resync asks the PBX its QueueStatus under the lease: seen there too, should its
    // whole run fall between two looks at the lease
    let seenMs = Number.NaN;
    await sims.ask({ op: 'watchResync' });
    const killed = performance.now();
    void sims.next('seen').then(() => (seenMs = performance.now() - killed));
    victim.child.kill('SIGKILL');
    await died;
    // the survivor's connection goes on (what the victim sent before it died reaches the PBX too)
    await sims.ask({ op: 'release' });
    services.splice(services.indexOf(victim), 1);
    let takenMs = Number.NaN;
    let doneMs = Number.NaN;
    while (performance.now() - killed < 60_000) {
      const h = await lease();
      if (Number.isNaN(takenMs) && h?.includes(`:${survivor.child.pid}:`)) takenMs = performance.now() - killed;
      if (Number.isNaN(takenMs) && !Number.isNaN(seenMs)) takenMs = seenMs;
      if (!Number.isNaN(takenMs) && h === null) {
        doneMs = performance.now() - killed;
        break;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    out.instances = { instances: 2, connections, alone, both, takeover: { pbx: name(PBXS - 1), resyncBeganMs: Math.round(takenMs), resyncDoneMs: Math.round(doneMs) } };
    say(`pbxes: after kill -9, the other instance's resync of ${name(PBXS - 1)} began ${Math.round(takenMs)} ms later, done ${Math.round(doneMs)} ms`);
  } finally {
    for (const s of services) await stop(s);
    if (sims) await stop(sims.proc);
    await db.close();
    await admin.query(`drop database if exists ${dbName} with (force)`).catch(() => undefined);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

/** One reconcile of every PBX at once, from this process (its own connections), as an instance's is run. */
async function reconcileAll(knex: import('knex').Knex, ports: number[], members: number, simsPid: number): Promise<Record<string, number>> {
  const log = pino({ level: 'silent' });
  const conns = Object.fromEntries(
    ports.map((port, k) => [name(k), new AmiPbx({ host: '127.0.0.1', port, username: 'agentgate', secret: 'bench', timeoutMs: 60_000, logger: log })]),
  );
  try {
    await Promise.all(
      Object.values(conns).map((pbx) => {
        const up = new Promise<void>((r) => pbx.once('connected', () => r()));
        pbx.start();
        return up;
      }),
    );
    const pbxes = PbxSet.of(conns);
    await pbxes.readPlaces(knex);
    const deps = { db: knex, pbxes, log, memberInterface: 'PJSIP/{exten}', claims: new Claims(60_000), lamps: new Lamps(pbxes, log) };
    // the phone lamps as a running service keeps them, so the timed reconcile only reads them
    await deps.lamps.sweep(knex);
    // one PBX's alone first, on the same machine a moment before: what running four at once adds
    const t1 = performance.now();
    await resync(deps, 'reconcile', name(0));
    const oneMs = performance.now() - t1;
    const t = performance.now();
    // where the time goes: this process's CPU, and the simulators' (four servers in one process, one thread)
    const cpu = process.cpuUsage();
    const simsCpu = cpuMs(simsPid);
    const reports = await Promise.all(pbxes.names().map((p) => resync(deps, 'reconcile', p)));
    const ms = performance.now() - t;
    const used = process.cpuUsage(cpu);
    const cpuOf = { benchCpuMs: Math.round((used.user + used.system) / 1000), simsCpuMs: cpuMs(simsPid) - simsCpu };
    const corrections = reports.reduce((a, r) => a + (r ? r.readded + r.pauseTaken + r.dropped + r.lamps : Number.NaN), 0);
    return { pbxes: reports.length, members, ms: Math.round(ms), oneMs: Math.round(oneMs), corrections, ...cpuOf };
  } finally {
    await Promise.all(Object.values(conns).map((c) => c.close()));
  }
}

// biome-ignore lint: the bench's JSON is read back loosely
export function pbxesRows(p: any): string[] {
  const rows = [
    `| ${p.logins.commands.toLocaleString('en')} HTTP logins over ${p.pbxes} PBXs, ${p.agents.toLocaleString('en')} agents provisioned, ${p.logins.clients} clients | ${p.logins.seconds} s (${p.logins.perSecond}/s), p50 ${p.logins.p50ms} ms, p99 ${p.logins.p99ms} ms, ${p.logins.failures} failures | ≤ 10 s, 0 failures |`,
    `| \`/api/agents\`, ${p.agentsList.agents.toLocaleString('en')} agents over ${p.pbxes} PBXs (${p.agentsList.loggedIn.toLocaleString('en')} logged in) | p50 ${p.agentsList.p50ms} ms, p99 ${p.agentsList.p99ms} ms | p99 ≤ 100 ms |`,
    `| reconcile of the ${p.reconcile.pbxes} PBXs at once, ${p.reconcile.members.toLocaleString('en')} members (nothing to correct) | ${p.reconcile.ms} ms (one PBX's alone just before: ${p.reconcile.oneMs} ms), ${p.reconcile.corrections} corrections${p.reconcile.simsCpuMs === undefined ? '' : `; CPU meanwhile: the reconciling process ${p.reconcile.benchCpuMs} ms, the simulators ${p.reconcile.simsCpuMs} ms`} | ≤ 2 s |`,
    `| the mix on ${p.pbxes - 1} PBXs (${p.latePbx.clients} clients) while the fourth answers ${p.latePbx.lateMs} ms late | p99 ${p.latePbx.late.p99ms} ms, ×${p.latePbx.ratio} of ${p.latePbx.onTime.p99ms} ms with it on time (runs interleaved; each run's p99 ${p.latePbx.eachRunP99ms.onTime.join(', ')} ms on time, ${p.latePbx.eachRunP99ms.late.join(', ')} ms late); ${p.latePbx.late.perSecond}/s vs ${p.latePbx.onTime.perSecond}/s; ${p.latePbx.late.failures + p.latePbx.onTime.failures} failures; the late PBX's logins p50 ${p.latePbx.latePbxLogins.late.p50ms} ms | p99 ≤ 1.2 × on time |`,
    `| RSS with ${p.pbxes} AMI connections and ${p.memory.members.toLocaleString('en')} members | ${p.memory.mb} MB (${p.memory.restMb} MB at rest) | ≤ 250 MB |`,
  ];
  const i = p.instances;
  if (i)
    rows.push(
      `| ${i.instances} instances × ${p.pbxes} PBXs: AMI connections each PBX holds | ${i.connections.join(', ')} | |`,
      `| a burst of ${i.both.events.toLocaleString('en')} member events on one PBX (everyone paused, then unpaused, from Asterisk) | handled in ${(i.both.wallMs / 1000).toFixed(1)} s (${(i.alone.wallMs / 1000).toFixed(1)} s alone)${i.both.reached && i.alone.reached ? '' : ', the record did not reach every change'}; CPU ${i.both.cpuMs.join(' ms + ')} ms with two instances (${i.both.cpuUsPerEvent.join(', ')} µs an event), ${i.alone.cpuMs[0]} ms alone (${i.alone.cpuUsPerEvent[0]} µs); ${i.both.written.toLocaleString('en')} rows written (${i.alone.written.toLocaleString('en')} alone) | |`,
      `| \`kill -9\` of the instance holding ${i.takeover.pbx}'s resync lease | the other's resync of it began ${i.takeover.resyncBeganMs} ms later, done at ${i.takeover.resyncDoneMs} ms | |`,
    );
  return rows;
}

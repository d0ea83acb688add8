import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { pino } from 'pino';
import { AmiPbx } from '../../src/ami/client.js';
import { PbxSet } from '../../src/ami/pbxes.js';
import { Claims } from '../../src/commands/claims.js';
import type { Deps } from '../../src/commands/deps.js';
import { parseAllowList } from '../../src/config.js';
import { openDatabase } from '../../src/db/connect.js';
import { accessCheck } from '../../src/access/credentials.js';
import type { By } from '../../src/commands/input.js';
import { Lamps } from '../../src/lamps/lamps.js';
import { lampsInRecord } from '../../src/lamps/record.js';
import { lampDevice } from '../../src/lamps/state.js';
import { buildHttp } from '../../src/http/app.js';
import { applyProvision, readProvisionFile } from '../../src/provision/apply.js';
import { SimAsterisk } from './asterisk.js';
import { type TestDb, freshDatabase } from './db.js';
import { BASE_YAML } from './paths.js';
import { TcpProxy } from './proxy.js';

export const quietLog = pino({ level: process.env.TEST_LOG ?? 'silent' });

/** A command as an allow-listed HTTP caller without a key makes it, and as a feature code from 2002. */
export const HTTP_BY: By = { source: 'http', actor: 'ip:127.0.0.1' };
export const PHONE_BY: By = { source: 'phone', actor: 'phone:2002' };

export interface Harness {
  db: TestDb;
  knex: Knex;
  sim: SimAsterisk;
  /** Between agentgate and the simulated Asterisk when asked for (`viaProxy`): holds or delays bytes. */
  proxy: TcpProxy | undefined;
  pbx: AmiPbx;
  deps: Deps;
  http: ReturnType<typeof buildHttp>;
  close(): Promise<void>;
}

/** A fresh database with the base provisioning, a simulated Asterisk, and the service's parts wired to them. */
export async function startHarness(opts: { timeoutMs?: number; yaml?: string; viaProxy?: boolean } = {}): Promise<Harness> {
  const db = await freshDatabase();
  await applyProvision(db.knex, readProvisionFile(opts.yaml ?? BASE_YAML), { prune: false, path: 'base.yaml' });
  const sim = await SimAsterisk.start({ username: 'agentgate', secret: 'test-secret' });
  const proxy = opts.viaProxy ? await TcpProxy.start(sim.port) : undefined;
  const pbx = new AmiPbx({
    host: '127.0.0.1',
    port: proxy?.port ?? sim.port,
    username: 'agentgate',
    secret: 'test-secret',
    timeoutMs: opts.timeoutMs ?? 1000,
    logger: quietLog,
    backoffMinMs: 20,
    backoffMaxMs: 200,
  });
  const connected = new Promise<void>((resolve) => pbx.once('connected', () => resolve()));
  pbx.start();
  await connected;
  const pbxes = PbxSet.of({ default: pbx });
  const deps: Deps = {
    db: db.knex,
    pbxes,
    log: quietLog,
    memberInterface: 'PJSIP/{exten}',
    claims: new Claims(opts.timeoutMs ?? 1000),
    lamps: new Lamps(pbxes, quietLog),
  };
  const http = buildHttp({
    ...deps,
    access: accessCheck(parseAllowList('127.0.0.1/32,::1/128'), ['tok-123']),
    readiness: async () => ({ database: true, pbx: deps.pbxes.anyUp(), pbxes: deps.pbxes.health() }),
  });
  await http.ready();
  const h: Harness = {
    db,
    knex: db.knex,
    sim,
    proxy,
    pbx,
    deps,
    http,
    close: async () => {
      await h.http.close();
      await h.pbx.close();
      await h.proxy?.close();
      await h.sim.close(); // the test may have swapped in another simulator
      await db.drop();
    },
  };
  return h;
}

/** Resolves once the AMI wrapper reports a new login. */
export function nextConnect(pbx: AmiPbx): Promise<void> {
  return new Promise((resolve) => pbx.once('connected', () => resolve()));
}

export async function events(knex: Knex, agent?: string) {
  const q = knex('events').select('agent', 'exten', 'queue', 'kind', 'reason', 'source').orderBy('id');
  if (agent) q.where({ agent });
  return q;
}

/** `n` more agents (5001…) and extensions (3001…), for load and soak tests. */
export async function provisionMany(knex: Knex, n: number): Promise<Array<{ agent: string; exten: string }>> {
  const rows = Array.from({ length: n }, (_, i) => ({ agent: String(5001 + i), exten: String(3001 + i) }));
  await knex('agents').insert(rows.map((r) => ({ login: r.agent, name: `Agent ${r.agent}` }))).onConflict('login').ignore();
  await knex('extensions').insert(rows.map((r) => ({ exten: r.exten, callcenter: true }))).onConflict('exten').ignore();
  return rows;
}

/** Asterisk's members and the database's sessions, in one comparable form. */
export async function divergence(knex: Knex, sim: SimAsterisk): Promise<{ onlyInAsterisk: string[]; onlyInDatabase: string[] }> {
  const db = (
    await knex('agent_sessions as s').join('session_queues as q', 'q.agent', 's.agent').select('q.queue', 's.interface', 'q.paused', 'q.reason')
  ).map((r) => `${r.queue} ${r.interface} ${r.paused ? `paused:${r.reason ?? ''}` : 'available'}`);
  const pbx = sim.members().map((m) => `${m.queue} ${m.interface} ${m.paused ? `paused:${m.reason}` : 'available'}`);
  return { onlyInAsterisk: pbx.filter((x) => !db.includes(x)).sort(), onlyInDatabase: db.filter((x) => !pbx.includes(x)).sort() };
}

/** Extensions whose lamp in Asterisk is not what the record says (each with both sides). */
export async function lampDivergence(knex: Knex, sim: SimAsterisk): Promise<string[]> {
  const want = await lampsInRecord(knex);
  return [...want]
    .filter(([exten, state]) => sim.deviceState(lampDevice(exten)) !== state)
    .map(([exten, state]) => `${exten}: record ${state}, Asterisk ${sim.deviceState(lampDevice(exten))}`);
}

/**
 * Replays the event log into a state and compares it with the live state: every transition must
 * have its event, and no event may be missing or doubled.
 */
export async function eventsExplainState(knex: Knex): Promise<string[]> {
  // agent → queue → pause state; a login joins a queue with the state the agent has everywhere (if paused in all)
  const state = new Map<string, Map<string, string>>();
  for (const e of await knex('events').orderBy('id')) {
    const s = state.get(e.agent) ?? new Map<string, string>();
    const all = [...s.values()];
    const paused = all.length > 0 && all.every((v) => v !== 'available');
    if (e.kind === 'login' && !s.has(e.queue)) s.set(e.queue, paused ? (all[0] as string) : 'available');
    if (e.kind === 'logoff') s.delete(e.queue);
    const value = e.kind === 'pause' ? `paused:${e.reason ?? ''}` : 'available';
    if (e.kind === 'pause' || e.kind === 'unpause') for (const q of e.queue === null ? [...s.keys()] : [e.queue]) if (s.has(q)) s.set(q, value);
    state.set(e.agent, s);
  }
  const replayed = [...state.entries()].flatMap(([agent, s]) => [...s.entries()].map(([q, v]) => `${agent} ${q} ${v}`)).sort();
  const live = (
    await knex('agent_sessions as s').join('session_queues as q', 'q.agent', 's.agent').select('s.agent', 'q.queue', 'q.paused', 'q.reason')
  )
    .map((r) => `${r.agent} ${r.queue} ${r.paused ? `paused:${r.reason ?? ''}` : 'available'}`)
    .sort();
  return [...replayed.filter((x) => !live.includes(x)).map((x) => `events say ${x}`), ...live.filter((x) => !replayed.includes(x)).map((x) => `state has ${x}`)];
}

const BARRIER = 'DEVICE_STATE(Custom:agentgate-test-barrier)';

/**
 * Once this answers, Asterisk has handled every action agentgate wrote before it (one connection,
 * answered in order): a phone lamp sent after an earlier command's commit included.
 */
export async function amiBarrier(h: Pick<Harness, 'pbx'>): Promise<void> {
  await h.pbx.getDeviceState(BARRIER.slice('DEVICE_STATE('.length, -1)).catch(() => undefined);
}

/** Runs `fn` and checks it sent Asterisk no action (the heartbeat's Ping aside) and wrote no event. */
export async function changesNothingIn<T>(h: Harness, fn: () => Promise<T>): Promise<T> {
  const sent = () => h.sim.actions.filter((a) => a.Action !== 'Ping' && a.Variable !== BARRIER).length;
  await amiBarrier(h);
  const actions = sent();
  const rows = (await events(h.knex)).length;
  const result = await fn();
  await amiBarrier(h);
  assert.equal(sent(), actions, 'no AMI action sent');
  assert.equal((await events(h.knex)).length, rows, 'no event written');
  return result;
}

export { until } from './until.js';

export interface Instance {
  deps: Deps;
  pbx: AmiPbx;
  close(): Promise<void>;
}

/** Another agentgate instance's parts on the same database (a pool of its own) and an Asterisk port. */
export async function startInstance(url: string, amiPort: number, timeoutMs = 1000): Promise<Instance> {
  const db = await openDatabase({ url, dataDir: '' });
  const pbx = new AmiPbx({ host: '127.0.0.1', port: amiPort, username: 'agentgate', secret: 'test-secret', timeoutMs, logger: quietLog, backoffMinMs: 20, backoffMaxMs: 200 });
  const up = nextConnect(pbx);
  pbx.start();
  await up;
  const pbxes = PbxSet.of({ default: pbx });
  const deps: Deps = { db: db.knex, pbxes, log: quietLog, memberInterface: 'PJSIP/{exten}', claims: new Claims(timeoutMs), lamps: new Lamps(pbxes, quietLog) };
  return {
    deps,
    pbx,
    close: async () => {
      await pbx.close();
      await db.close();
    },
  };
}

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import knexFactory from 'knex';
import { applyProvision, readProvisionFile } from '../../src/provision/apply.js';
import { callAgi } from '../support/agi-caller.js';
import { SimAsterisk } from '../support/asterisk.js';
import { type TestDb, freshDatabase } from '../support/db.js';
import { divergence, eventsExplainState, provisionMany, until } from '../support/harness.js';
import { BASE_YAML } from '../support/paths.js';
import { TcpProxy } from '../support/proxy.js';
import { type Served, ready, serve } from '../support/service.js';

// Two real service processes on one Postgres and one (simulated) Asterisk; commands over HTTP and
// the phone; a third of Asterisk's answers late past the timeout; either process killed with -9
// and started again; Postgres backends killed. Bounded in commands and time.

let db: TestDb;
let sim: SimAsterisk;
const proxies: TcpProxy[] = [];
before(async () => {
  db = await freshDatabase();
  await applyProvision(db.knex, readProvisionFile(BASE_YAML), { prune: false, path: 'base.yaml' });
  sim = await SimAsterisk.start({ username: 'agentgate', secret: 'soak-secret' });
});
after(async () => {
  for (const p of proxies) await p.close();
  await sim.close();
  await db.drop();
});

function rng(seed: number) {
  return () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
}

test('soak with crashes: two instances, HTTP and phone, late answers, kill -9, dead backends: zero divergence', async (t) => {
  if (!db.server || !db.url) return t.skip('needs a Postgres server');
  const seed = Number(process.env.SOAK_SEED ?? 20261125);
  const rand = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const agents = await provisionMany(db.knex, 20);
  const url = db.url;
  let slow = true;
  const late = () => (slow && rand() < 0.15 ? 350 + rand() * 300 : rand() * 20);
  for (let i = 0; i < 2; i++) {
    const p = await TcpProxy.start(sim.port);
    p.latencyMs = late;
    proxies.push(p);
  }
  const start = async (i: number) => {
    const svc = await serve({ DATABASE_URL: url, AMI_PORT: String(proxies[i]?.port), AMI_SECRET: 'soak-secret', AMI_TIMEOUT_MS: '300', RECONCILE_INTERVAL_S: '2', LOG_LEVEL: 'info' });
    await ready(svc.base);
    return svc;
  };
  const live: Array<Served | undefined> = [await start(0), await start(1)];

  // what each caller was told, per command
  const told = new Map<string, number>();
  const tell = (k: string) => told.set(k, (told.get(k) ?? 0) + 1);
  const deadline = performance.now() + 40_000;
  let sent = 0;
  const worker = async () => {
    while (sent < 2000 && performance.now() < deadline) {
      sent += 1;
      const svc = live[Math.floor(rand() * 2)];
      if (!svc) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      const a = pick(agents);
      const command = pick(['login', 'login', 'logoff', 'pause', 'pause', 'unpause'] as const);
      const queue = pick(['support', 'sales']);
      try {
        if (rand() < 0.3) {
          const params = new URLSearchParams({ agent: a.agent, ...(command === 'login' ? { queue } : {}), ...(command === 'pause' ? { reason: 'Almoco' } : {}) });
          const rec = await callAgi(svc.agi, { script: `${command}?${params}&silent`, callerId: a.exten });
          tell(`${command} ${rec.variablesSet.AGENTGATE_MESSAGE ?? 'no answer'}`);
        } else {
          const res = await fetch(`${svc.base}/api/agent.php?${new URLSearchParams({ command, agent: a.agent, exten: a.exten, queue, reason: 'Almoco' })}`);
          const body = (await res.json()) as Record<string, string>;
          tell(`${command} ${body.success ?? body.error}`);
        }
      } catch {
        tell(`${command} no answer`); // its process was killed mid-command
      }
    }
  };
  const admin = knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 1 } });
  const chaos = async () => {
    while (sent < 2000 && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1500 + rand() * 2000));
      if (rand() < 0.6) {
        const i = Math.floor(rand() * 2);
        const svc = live[i];
        live[i] = undefined;
        svc?.child.kill('SIGKILL');
        await svc?.exited;
        live[i] = await start(i);
      } else {
        await admin.raw("select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'agentgate' and datname = current_database()");
      }
    }
  };
  try {
    await Promise.all([chaos(), ...Array.from({ length: 6 }, worker)]);
    slow = false;
    await until(async () => {
      const d = await divergence(db.knex, sim);
      const left = await db.knex('intents').count({ n: '*' }).first();
      return d.onlyInAsterisk.length === 0 && d.onlyInDatabase.length === 0 && Number(left?.n) === 0;
    }, `seed ${seed}: the record and Asterisk agree, nothing in doubt`, 30_000);
    assert.deepEqual(await eventsExplainState(db.knex), [], `seed ${seed}: the events explain the state`);
    const rows = await db.knex('events').whereIn('source', ['http', 'phone']);
    for (const [kind, ok] of [['pause', 'Pause OK'], ['unpause', 'Unpause OK']] as const) {
      const recorded = rows.filter((r) => r.kind === kind).length;
      const success = told.get(`${kind} ${ok}`) ?? 0;
      const unknown = told.get(`${kind} no answer`) ?? 0;
      assert.ok(recorded >= success, `seed ${seed}: every ${ok} has its event (${recorded} events, ${success} told)`);
      assert.ok(recorded <= success + unknown, `seed ${seed}: no ${kind} recorded that a caller was told failed (${recorded} > ${success} + ${unknown})`);
    }
    assert.deepEqual(await db.knex('events').where({ source: 'pbx' }), [], 'no late answer recorded as a change made elsewhere');
    const counts = JSON.stringify(Object.fromEntries(told));
    assert.ok((told.get('pause Pause OK') ?? 0) >= 3 && (told.get('login Login OK') ?? 0) >= 10, `enough real transitions: ${counts}`);
    assert.ok((told.get('pause PBX unavailable') ?? 0) + (told.get('login PBX unavailable') ?? 0) > 0, `some answers came too late: ${counts}`);
  } finally {
    await admin.destroy();
    for (const svc of live) {
      svc?.child.kill('SIGKILL');
      await svc?.exited;
    }
  }
});

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { applyProvision, readProvisionFile } from '../../src/provision/apply.js';
import { type Service, startService } from '../../src/service.js';
import { SimAsterisk } from '../support/asterisk.js';
import { type TestDb, freshDatabase } from '../support/db.js';
import { quietLog } from '../support/harness.js';
import { BASE_YAML } from '../support/paths.js';
import { openStream } from '../support/sse.js';

let db: TestDb;
let sim: SimAsterisk;
const services: Service[] = [];

before(async () => {
  db = await freshDatabase();
  await applyProvision(db.knex, readProvisionFile(BASE_YAML), { prune: false, path: 'base.yaml' });
  sim = await SimAsterisk.start({ username: 'agentgate', secret: 'inst' });
});
after(async () => {
  for (const s of services) await s.close();
  await sim.close();
  await db.drop();
});

// The grace period is long on purpose: closing must not wait for it because of open streams.
const serve = async () => {
  const s = await startService(
    loadConfig({ DATABASE_URL: db.url, HTTP_PORT: '0', AGI_PORT: '0', AMI_PORT: String(sim.port), AMI_SECRET: 'inst', SHUTDOWN_GRACE_MS: '20000' }),
    quietLog,
  );
  services.push(s);
  return s;
};

const ready = async (port: number) => {
  for (let i = 0; i < 200 && (await fetch(`http://127.0.0.1:${port}/readyz`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 25));
};

test('two instances on one database: a command on one reaches the feed clients of the other', async (t) => {
  if (!db.server) return t.skip('needs a Postgres server');
  const [a, b] = [await serve(), await serve()];
  await Promise.all([ready(a.httpPort), ready(b.httpPort)]);
  const onB = openStream(b.httpPort);
  await onB.until((c) => c.comments >= 1, 5000, 'connected');
  assert.equal(b.feed.clientCount(), 1, 'the feed counts its clients (for metrics)');
  assert.equal(a.feed.clientCount(), 0);

  const t0 = performance.now();
  const res = await fetch(`http://127.0.0.1:${a.httpPort}/api/agent.php?command=login&agent=1001&exten=2001&queue=support`);
  assert.deepEqual(await res.json(), { success: 'Login OK' });
  await onB.until((c) => c.messages.some((m) => m.data.kind === 'login' && m.data.agent === '1001'), 1000, 'the login made on A');
  assert.ok(performance.now() - t0 < 1500);
  const login = onB.messages.find((m) => m.data.kind === 'login')!;
  assert.deepEqual([login.data.exten, login.data.queue, login.data.source], ['2001', 'support', 'http']);

  // and the lists of B read what A did
  const agents = (await (await fetch(`http://127.0.0.1:${b.httpPort}/api/agents?queue=support&state=available`)).json()) as { agents: Array<{ agent: string }> };
  assert.deepEqual(agents.agents.map((x) => x.agent), ['1001']);
  onB.close();
});

test('closing a service with open streams ends them at once, without waiting out the grace period', async () => {
  const s = await serve();
  const clients = Array.from({ length: 5 }, () => openStream(s.httpPort));
  await Promise.all(clients.map((c) => c.until((x) => x.comments >= 1, 5000, 'connected')));
  assert.equal(s.feed.clientCount(), 5);
  const t0 = performance.now();
  await s.close();
  const took = performance.now() - t0;
  await Promise.all(clients.map((c) => c.ended));
  assert.ok(took < 3000, `closed in ${Math.round(took)} ms`);
  assert.equal(s.feed.clientCount(), 0);
});

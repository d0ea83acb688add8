import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { applyProvision, readProvisionFile } from '../../src/provision/apply.js';
import { SimAsterisk } from '../support/asterisk.js';
import { type TestDb, freshDatabase } from '../support/db.js';
import { divergence, eventsExplainState, provisionMany } from '../support/harness.js';
import { BASE_YAML } from '../support/paths.js';
import { serve as start } from '../support/service.js';
import { until } from '../support/until.js';

let db: TestDb;
let sim: SimAsterisk;

before(async () => {
  db = await freshDatabase();
  await applyProvision(db.knex, readProvisionFile(BASE_YAML), { prune: false, path: 'base.yaml' });
  sim = await SimAsterisk.start({ username: 'agentgate', secret: 's3cret-ami' });
});
after(async () => {
  await sim.close();
  await db.drop();
});

const serve = (env: Record<string, string>) => start({ AMI_PORT: String(sim.port), AMI_SECRET: 's3cret-ami', ...env });

test('SIGTERM in the middle of a burst: every command done or refused, none half-done; exit 0', async (t) => {
  if (!db.server || !db.url) return t.skip('needs a Postgres server');
  const agents = await provisionMany(db.knex, 40);
  const svc = await serve({ DATABASE_URL: db.url });
  const base = `http://127.0.0.1:${svc.http}`;
  await until(async () => (await fetch(`${base}/readyz`)).status === 200, 'the service ready');

  const exited = new Promise<number | null>((resolve) => svc.child.once('exit', (code) => resolve(code)));
  const outcomes: string[] = [];
  const burst = agents.flatMap((a) =>
    ['login', 'pause', 'unpause', 'logoff', 'login'].map(async (command, i) => {
      await new Promise((r) => setTimeout(r, i * 15));
      try {
        const res = await fetch(`${base}/api/agent.php?command=${command}&agent=${a.agent}&exten=${a.exten}&queue=support`);
        const body = (await res.json()) as Record<string, string>;
        outcomes.push(body.success ?? body.error ?? `status ${res.status}`);
      } catch {
        outcomes.push('refused'); // the listener was already closed
      }
    }),
  );
  setTimeout(() => svc.child.kill('SIGTERM'), 30);
  await Promise.all(burst);
  const code = await exited;
  assert.equal(code, 0, svc.logs.slice(-5).join('\n'));

  const tally = outcomes.reduce<Record<string, number>>((acc, o) => ({ ...acc, [o]: (acc[o] ?? 0) + 1 }), {});
  assert.ok(tally['Login OK'], `some commands ran before the signal: ${JSON.stringify(tally)}`);
  assert.ok(tally.refused || tally['Service unavailable'], `some were refused after it: ${JSON.stringify(tally)}`);
  const allowed = /^(Login OK|Pause OK|Unpause OK|Logoff OK|Agent not logged|Agent alredy paused|Agent alredy available|refused|Service unavailable|PBX unavailable)$/;
  for (const o of outcomes) assert.match(o, allowed);
  assert.deepEqual(await divergence(db.knex, sim), { onlyInAsterisk: [], onlyInDatabase: [] }, 'the queues and the database agree');
  assert.deepEqual(await eventsExplainState(db.knex), [], 'every transition has its event');
  assert.ok(sim.actionsOf('Logoff').length >= 1, 'AMI logoff sent');
  assert.ok(svc.logs.some((l) => l.includes('"msg":"stopped"')));
  assert.ok(!svc.logs.some((l) => l.includes('s3cret-ami')), 'the AMI secret is never logged');
});

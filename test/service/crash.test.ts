import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { applyProvision, readProvisionFile } from '../../src/provision/apply.js';
import { SimAsterisk } from '../support/asterisk.js';
import { type TestDb, freshDatabase } from '../support/db.js';
import { divergence, until } from '../support/harness.js';
import { BASE_YAML } from '../support/paths.js';
import { TcpProxy } from '../support/proxy.js';
import { type Served, command, ready, serve } from '../support/service.js';

// kill -9 of the real process in the middle of an action: the intent it wrote to Postgres before
// asking Asterisk lets the next process settle what Asterisk did after its sender died.

let db: TestDb;
let sim: SimAsterisk;
let ami: TcpProxy;
before(async () => {
  db = await freshDatabase();
  await applyProvision(db.knex, readProvisionFile(BASE_YAML), { prune: false, path: 'base.yaml' });
  sim = await SimAsterisk.start({ username: 'agentgate', secret: 'crash-secret' });
  ami = await TcpProxy.start(sim.port);
});
after(async () => {
  await ami.close();
  await sim.close();
  await db.drop();
});

const env = (url: string) => ({ DATABASE_URL: url, AMI_PORT: String(ami.port), AMI_SECRET: 'crash-secret', AMI_TIMEOUT_MS: '500' });
/** Asterisk and the record say the same, and nothing is left in doubt. */
const agree = async () => {
  const d = await divergence(db.knex, sim);
  return d.onlyInAsterisk.length === 0 && d.onlyInDatabase.length === 0 && (await db.knex('intents').first()) === undefined;
};

async function kill(svc: Served): Promise<void> {
  svc.child.kill('SIGKILL');
  await svc.exited;
}

test('killed while Asterisk holds the QueueAdd, which it applies after: the next process takes the member back out', async (t) => {
  if (!db.server || !db.url) return t.skip('needs a Postgres server');
  const first = await serve(env(db.url));
  await ready(first.base);
  const held = ami.hold('toServer', 'Action: QueueAdd');
  const answer = command(first.base, { command: 'login', agent: '1001', exten: '2001', queue: 'support' }).catch(() => 'no answer');
  await held;
  await kill(first);
  assert.equal(await answer, 'no answer');
  ami.releaseAll(); // Asterisk applies it now: its sender is gone
  await until(() => sim.members().some((m) => m.interface === 'PJSIP/2001'), 'Asterisk applied the held QueueAdd');

  const second = await serve(env(db.url));
  try {
    await until(agree, 'the record and Asterisk agree', 5000).catch((err) => {
      throw new Error(`${err.message}\n${second.logs.join('\n')}`);
    });
    assert.deepEqual(sim.members(), []);
    const rows = await db.knex('events').where({ agent: '1001' });
    assert.deepEqual(rows.map((r) => [r.kind, r.source, JSON.parse(r.detail).did]), [['reverted', 'resync', ['QueueRemove support']]]);
    assert.equal(await db.knex('intents').first(), undefined);
  } finally {
    await kill(second);
  }
});

test('killed after Asterisk answered, before the settle reached Postgres: the same', async (t) => {
  if (!db.server || !db.url) return t.skip('needs a Postgres server');
  const pg = await TcpProxy.start(5432);
  const viaProxy = new URL(db.url);
  viaProxy.port = String(pg.port);
  const first = await serve(env(viaProxy.toString()));
  try {
    await ready(first.base);
    const held = pg.hold('toServer', 'delete from intents where id');
    const answer = command(first.base, { command: 'login', agent: '1002', exten: '2002', queue: 'sales' }).catch(() => 'no answer');
    await held;
    assert.ok(sim.members().some((m) => m.interface === 'SIP/2002'), 'Asterisk applied it');
    await kill(first);
    assert.equal(await answer, 'no answer');
  } finally {
    await pg.close(); // the held settle never reaches Postgres
  }
  const second = await serve(env(db.url));
  try {
    await until(agree, 'the record and Asterisk agree', 5000);
    assert.deepEqual(sim.members(), []);
    const rows = await db.knex('events').where({ agent: '1002' });
    assert.deepEqual(rows.map((r) => [r.kind, r.source, JSON.parse(r.detail).did]), [['reverted', 'resync', ['QueueRemove sales']]]);
    assert.equal(await command(second.base, { command: 'login', agent: '1002', exten: '2002', queue: 'sales' }), 'Login OK', 'and the agent can log in again');
    await until(agree, 'agree after the new login');
  } finally {
    await kill(second);
  }
});

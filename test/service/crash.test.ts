import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { SimAsterisk } from '../support/asterisk.js';
import type { TestDb } from '../support/db.js';
import { divergence, until } from '../support/harness.js';
import { BASE_YAML } from '../support/paths.js';
import { type ProcessRig, startProcessRig } from '../support/process-rig.js';
import { TcpProxy } from '../support/proxy.js';
import { command, ready, serve, stopServed } from '../support/service.js';

// kill -9 of the real process in the middle of an action: the intent it wrote to Postgres before
// asking Asterisk lets the next process settle what Asterisk did after its sender died.

let rig: ProcessRig;
let db: TestDb;
let sim: SimAsterisk;
let ami: TcpProxy;
let env: ProcessRig['env'];
before(async () => {
  rig = await startProcessRig(BASE_YAML, 'crash-secret');
  ({ db, sim, ami, env } = rig);
});
after(() => rig.close());

/** Asterisk and the record say the same, and nothing is left in doubt. */
const agree = async () => {
  const d = await divergence(db.knex, sim);
  return d.onlyInAsterisk.length === 0 && d.onlyInDatabase.length === 0 && (await db.knex('intents').first()) === undefined;
};

test('killed while Asterisk holds the QueueAdd, which it applies after: the next process takes the member back out', async (t) => {
  if (!db.server || !db.url) return t.skip('needs a Postgres server');
  const first = await serve(env(db.url));
  await ready(first.base);
  const held = ami.hold('toServer', 'Action: QueueAdd');
  const answer = command(first.base, { command: 'login', agent: '1001', exten: '2001', queue: 'support' }).catch(() => 'no answer');
  await held;
  await stopServed(first, 'SIGKILL');
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
    await stopServed(second, 'SIGKILL');
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
    const held = pg.hold('toServer', 'delete from intents t using x');
    const answer = command(first.base, { command: 'login', agent: '1002', exten: '2002', queue: 'sales' }).catch(() => 'no answer');
    await held;
    assert.ok(sim.members().some((m) => m.interface === 'SIP/2002'), 'Asterisk applied it');
    await stopServed(first, 'SIGKILL');
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
    await stopServed(second, 'SIGKILL');
  }
});

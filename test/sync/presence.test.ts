import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import pg from 'pg';
import { PRESENCE_LOCKS, type Takeover } from '../../src/sync/holders.js';
import { Presence } from '../../src/sync/presence.js';
import { type TestDb, freshDatabase } from '../support/db.js';
import { quietLog, until } from '../support/harness.js';

// What a process that is gone held — its intents and the resync lease — is freed as soon as it is
// seen gone; what a live one holds is not, whether it is too busy to beat or its presence
// connection was cut and is coming back.

let db: TestDb;
const running: Presence[] = [];
before(async () => {
  db = await freshDatabase();
  await db.knex('agents').insert([
    { login: '1001', name: 'Maria Silva' },
    { login: '1002', name: 'João Souza' },
  ]);
});
after(async () => {
  for (const p of running) await p.stop();
  await db.drop();
});
beforeEach(async () => {
  for (const p of running.splice(0)) await p.stop();
  await db.knex('intents').delete();
  await db.knex('holders').delete();
  await db.knex('resync_lease').update({ holder: null, until: db.knex.raw("'-infinity'") });
});

/** A holder as a process leaves it: a row last beaten `agoS` seconds ago, an intent in flight, maybe the lease. */
async function leftBy(holder: string, agoS: number, opts: { lease?: boolean; agent?: string } = {}): Promise<void> {
  await db.knex('holders').insert({ holder, seen: db.knex.raw('clock_timestamp() - make_interval(secs => ?)', [agoS]) });
  await db.knex('intents').insert({ agent: opts.agent ?? '1001', action: 'login', source: 'http', holder, deadline: db.knex.raw("clock_timestamp() + interval '60 seconds'") });
  if (opts.lease) await db.knex('resync_lease').update({ holder, until: db.knex.raw("now() + interval '10 seconds'") });
}

async function startPresence(holder = 'me'): Promise<{ presence: Presence; freed: Takeover[] }> {
  const freed: Takeover[] = [];
  const presence = new Presence(db, holder, quietLog, (t) => freed.push(t));
  running.push(presence);
  await presence.start();
  return { presence, freed };
}

const due = async (holder: string) => (await db.knex('intents').where({ holder }).where('deadline', '<=', db.knex.raw('clock_timestamp()'))).length;
const lease = async () => (await db.knex('resync_lease').first())?.holder as string | null;

test('a holder that stopped beating and whose lock nobody holds is gone: its intents are due at once and its lease is free', async () => {
  await leftBy('dead', 5, { lease: true });
  const { freed } = await startPresence();
  assert.deepEqual(freed, [{ holders: ['dead'], intents: 1, lease: true }]);
  assert.equal(await due('dead'), 1);
  assert.equal(await lease(), null);
  assert.deepEqual(await db.knex('holders').pluck('holder'), ['me']);
});

test('a holder that beat less than a second ago is kept without its lock (its presence connection is coming back)', async () => {
  await leftBy('reconnecting', 0.1, { lease: true });
  const { freed } = await startPresence();
  assert.deepEqual(freed, []);
  assert.equal(await due('reconnecting'), 0);
  assert.equal(await lease(), 'reconnecting');
});

test('a holder too busy to beat keeps what it holds while its session holds its lock, and loses it the moment that session ends', async (t) => {
  if (!db.server || !db.url) return t.skip('needs a second session: a Postgres server');
  const busy = new pg.Client({ connectionString: db.url });
  await busy.connect();
  try {
    await busy.query('select pg_advisory_lock($1, hashtext($2))', [PRESENCE_LOCKS, 'busy']);
    await leftBy('busy', 5, { lease: true });
    const { freed } = await startPresence();
    assert.deepEqual(freed, []);
    assert.equal(await due('busy'), 0);
  } finally {
    await busy.end(); // what Postgres does when the process behind a session is killed
  }
  await until(async () => (await due('busy')) === 1 && (await lease()) === null, 'the next beat takes over from the ended session', 10_000);
});

test('a process that stops frees what it holds, and leaves the holders', async () => {
  const { presence } = await startPresence('stopping');
  await db.knex('intents').insert({ agent: '1002', action: 'pause', source: 'http', holder: 'stopping', deadline: db.knex.raw("clock_timestamp() + interval '60 seconds'") });
  await db.knex('resync_lease').update({ holder: 'stopping', until: db.knex.raw("now() + interval '10 seconds'") });
  await presence.stop();
  assert.equal(await due('stopping'), 1);
  assert.equal(await lease(), null);
  assert.deepEqual(await db.knex('holders').pluck('holder'), []);
});

test('a presence connection cut under a live process comes back with its lock, and nobody takes over from it', async (t) => {
  if (!db.server || !db.url) return t.skip('needs a Postgres server');
  await startPresence('cut');
  const lockPid = async () =>
    (await db.knex.raw('select pid from pg_locks where locktype = ? and classid = ?::oid and objid = hashtext(?)::oid and granted', ['advisory', PRESENCE_LOCKS, 'cut'])).rows[0]?.pid as
      | number
      | undefined;
  const before = await lockPid();
  assert.ok(before, 'the lock is held');
  await db.knex('intents').insert({ agent: '1001', action: 'login', source: 'http', holder: 'cut', deadline: db.knex.raw("clock_timestamp() + interval '60 seconds'") });
  const { freed } = await startPresence('peer');
  await db.knex.raw('select pg_terminate_backend(?)', [before]);
  await until(async () => ![undefined, before].includes(await lockPid()), 'the lock is taken again on a new connection', 10_000);
  // the peer looks every 250 ms: let it look for longer than the grace after the cut
  const cutAt = Date.now();
  await until(() => Date.now() - cutAt > 1500, 'longer than the grace since the cut', 10_000);
  assert.equal(await due('cut'), 0);
  assert.deepEqual(freed, []);
});

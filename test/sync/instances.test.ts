import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AmiPbx } from '../../src/ami/client.js';
import { PbxSet } from '../../src/ami/pbxes.js';
import { Claims } from '../../src/commands/claims.js';
import { Lamps } from '../../src/lamps/lamps.js';
import type { Deps } from '../../src/commands/deps.js';
import { messageOf } from '../../src/commands/outcomes.js';
import { runCommand } from '../../src/commands/run.js';
import { openDatabase, type Database } from '../../src/db/connect.js';
import { Keeper } from '../../src/sync/keeper.js';
import * as lease from '../../src/sync/lease.js';
import { type Harness, divergence, eventsExplainState, nextConnect, provisionMany, quietLog, startHarness, HTTP_BY } from '../support/harness.js';

let h: Harness;
let second: { db: Database; pbx: AmiPbx; deps: Deps; keeper: Keeper } | undefined;
let first: Keeper;
let skip: string | false = false;

before(async () => {
  h = await startHarness();
  if (!h.db.server || !h.db.url) {
    skip = 'two instances need a Postgres server';
    return;
  }
  first = new Keeper(h.deps, { retryMs: 30 });
  first.attach();
  const db = await openDatabase({ url: h.db.url, dataDir: '' });
  const pbx = new AmiPbx({ host: '127.0.0.1', port: h.sim.port, username: 'agentgate', secret: 'test-secret', timeoutMs: 1000, logger: quietLog, backoffMinMs: 20, backoffMaxMs: 200 });
  const pbxes = PbxSet.of({ default: pbx });
  const deps: Deps = { db: db.knex, pbxes, log: quietLog, memberInterface: 'PJSIP/{exten}', claims: new Claims(1000), lamps: new Lamps(pbxes, quietLog) };
  const keeper = new Keeper(deps, { retryMs: 30 });
  keeper.attach();
  const up = nextConnect(pbx);
  pbx.start();
  await up;
  second = { db, pbx, deps, keeper };
});
after(async () => {
  first?.stop();
  second?.keeper.stop();
  await second?.pbx.close();
  await second?.db.close();
  await h.close();
});

describe('two instances on one database and one Asterisk behave as one', () => {
  test('hammered at once: exactly-once transitions', async (t) => {
    if (skip || !second) return t.skip(skip || '');
    const agents = await provisionMany(h.knex, 30);
    const instances = [h.deps, second.deps];
    const answers: string[] = [];
    // Every agent gets the same login from both instances at once, then the same pause, then unpause.
    for (const step of ['login', 'pause', 'unpause', 'logoff', 'login']) {
      const results = await Promise.all(
        agents.flatMap((a) =>
          instances.map((deps) => runCommand(deps, { command: step, agent: a.agent, exten: a.exten, queue: 'support', reason: 'Almoco' }, HTTP_BY)),
        ),
      );
      answers.push(...results.map(messageOf));
    }
    const count = (m: string) => answers.filter((a) => a === m).length;
    assert.equal(count('Login OK'), 30 * 2 + 30 * 2, 'a repeated login is Login OK on both');
    assert.equal(count('Pause OK'), 30, 'one pause per agent wins');
    assert.equal(count('Agent alredy paused'), 30);
    assert.equal(count('Unpause OK'), 30);
    assert.equal(count('Logoff OK'), 30);
    assert.equal(count('Agent not logged'), 30);
    const adds = h.sim.actionsOf('QueueAdd').filter((a) => agents.some((x) => a.Interface === `PJSIP/${x.exten}`));
    assert.equal(adds.length, 60, 'one QueueAdd per agent per login round');
    await sleep(100);
    await Promise.all([first.idle(), second.keeper.idle()]);
    const rows = await h.knex('events').whereIn('agent', agents.map((a) => a.agent));
    const bySource = rows.reduce<Record<string, number>>((acc, r) => ({ ...acc, [`${r.source} ${r.kind}`]: (acc[`${r.source} ${r.kind}`] ?? 0) + 1 }), {});
    assert.equal(rows.length, 30 * 5, JSON.stringify(bySource) + ' one event per transition, none recorded twice by the two event handlers');
    assert.deepEqual(await divergence(h.knex, h.sim), { onlyInAsterisk: [], onlyInDatabase: [] });
    assert.deepEqual(await eventsExplainState(h.knex), []);
  });

  test('after an Asterisk restart one resync at a time re-adds each member once', async (t) => {
    if (skip || !second) return t.skip(skip || '');
    const members = h.sim.members().length;
    assert.ok(members >= 30);
    h.sim.clearActions();
    const both = Promise.all([nextConnect(h.pbx), nextConnect(second.pbx)]);
    await h.sim.restart();
    await both;
    for (let i = 0; i < 6000 && h.sim.members().length < members; i++) await sleep(20);
    await Promise.all([first.idle(), second.keeper.idle()]);
    await sleep(100);
    await Promise.all([first.idle(), second.keeper.idle()]);
    assert.equal(h.sim.members().length, members, 'every member is back');
    assert.equal(h.sim.actionsOf('QueueAdd').length, members, 'each re-added exactly once: the two resyncs did not overlap');
    const resyncRows = await h.knex('events').where({ source: 'resync' });
    assert.equal(resyncRows.length, members, 'one resync event per re-added member');
    assert.deepEqual(await divergence(h.knex, h.sim), { onlyInAsterisk: [], onlyInDatabase: [] });
  });

  test('the resync lease is held by one instance at a time', async (t) => {
    if (skip) return t.skip(skip);
    assert.equal(await lease.takeLease(h.knex, 'a', 30), true);
    assert.equal(await lease.takeLease(h.knex, 'b', 30), false, 'b waits while a holds it');
    assert.equal(await lease.takeLease(h.knex, 'a', 30), true, 'a may renew');
    await lease.releaseLease(h.knex, 'a');
    assert.equal(await lease.takeLease(h.knex, 'b', 30), true);
    await lease.releaseLease(h.knex, 'b');
  });
});

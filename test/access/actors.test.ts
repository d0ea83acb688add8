import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createKey } from '../../src/access/keys.js';
import { runCommand } from '../../src/commands/run.js';
import { phoneBy } from '../../src/commands/input.js';
import { Keeper } from '../../src/sync/keeper.js';
import { type Harness, nextConnect, startHarness, until } from '../support/harness.js';

// CONTRACT §8: every event says who made it. One agent, one change from each source in turn; each
// event's actor is read back from the record (the policy's own is in test/rules/overdue.test.ts).
let h: Harness;
let keeper: Keeper;
let port = 0;
const OUTSIDE = '203.0.113.9';

before(async () => {
  h = await startHarness();
  keeper = new Keeper(h.deps, { retryMs: 50 });
  keeper.attach();
  await h.http.listen({ host: '127.0.0.1', port: 0 });
  port = (h.http.server.address() as AddressInfo).port;
});
after(async () => {
  keeper.stop();
  await keeper.idle();
  await h.close();
});

/** The newest event's kind, source and actor once it is past `after`. */
async function newest(afterId: number, kind: string): Promise<{ kind: string; source: string; actor: string }> {
  let row: { kind: string; source: string; actor: string } | undefined;
  await until(async () => {
    row = await h.knex('events').where('id', '>', afterId).andWhere({ agent: '1001', kind }).orderBy('id', 'desc').first('kind', 'source', 'actor');
    return row !== undefined;
  }, `a ${kind} event after ${afterId}`);
  return row!;
}
const lastId = async () => Number((await h.knex('events').max({ m: 'id' }).first())?.m ?? 0);
const api = (query: string, headers: Record<string, string> = {}, remoteAddress = '127.0.0.1') =>
  h.http.inject({ method: 'GET', url: `/api/agent.php?${query}`, remoteAddress, headers }).then((r) => r.json());

test('actor of each source: allow-listed address, supervisor key, agent key, panel session, phone, pbx, resync, reconcile', async () => {
  const seen: Array<[string, string, string]> = [];
  const step = async (kind: string, act: () => Promise<unknown>) => {
    const from = await lastId();
    await act();
    const e = await newest(from, kind);
    seen.push([e.kind, e.source, e.actor]);
  };
  const supervisor = await createKey(h.knex, { name: 'floor-lead', role: 'supervisor' });
  const own = await createKey(h.knex, { name: 'maria-crm', role: 'agent', agent: '1001' });

  // an allow-listed caller without a key, then the same caller with a key (it gets the key's role and name)
  await step('login', () => api('command=login&agent=1001&exten=2001&queue=support'));
  await step('pause', () => api('command=pause&agent=1001&reason=Treinamento', { authorization: `Bearer ${supervisor}` }));
  // an agent key from outside the allow-list
  await step('unpause', () => api('command=unpause&agent=1001', { authorization: `Bearer ${own}` }, OUTSIDE));
  // the agent's own panel session
  const origin = `http://127.0.0.1:${port}`;
  const signin = await fetch(`${origin}/agent/signin`, { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: JSON.stringify({ agent: '1001', pin: '1234' }) });
  assert.equal(signin.status, 200);
  const cookie = (signin.headers.get('set-cookie') ?? '').split(';')[0]!;
  await step('pause', async () => {
    const res = await fetch(`${origin}/agent/command`, { method: 'POST', headers: { cookie, origin, 'content-type': 'application/json' }, body: JSON.stringify({ command: 'pause', reason: 'Almoco' }) });
    assert.deepEqual(await res.json(), { success: 'Pause OK' });
  });
  // the phone at 2001 (the path the feature codes take)
  await step('unpause', () => runCommand(h.deps, { command: 'unpause', agent: '1001' }, phoneBy('2001')));
  // a supervisor console on Asterisk itself
  await step('pause', async () => assert.ok(h.sim.externalPause('PJSIP/2001', true, 'Supervisor')));
  await step('unpause', async () => assert.ok(h.sim.externalPause('PJSIP/2001', false)));
  // Asterisk restarts and loses its members: the resync puts her back
  await step('login', async () => {
    const up = nextConnect(h.pbx);
    await h.sim.restart();
    await up;
  });
  // a divergence no event reports (the record says paused, Asterisk does not) and the periodic reconcile
  await keeper.idle();
  await h.knex('session_queues').where({ agent: '1001' }).update({ paused: true, reason: 'ghost' });
  await step('unpause', async () => {
    keeper.request('reconcile');
    await keeper.idle();
  });
  await fetch(`${origin}/agent/signout`, { method: 'POST', headers: { cookie, origin } });

  assert.deepEqual(seen, [
    ['login', 'http', 'ip:127.0.0.1'],
    ['pause', 'http', 'key:floor-lead'],
    ['unpause', 'http', 'agent:1001'], // an agent's own key acts as the agent (CONTRACT §8)
    ['pause', 'http', 'agent:1001'],
    ['unpause', 'phone', 'phone:2001'],
    ['pause', 'pbx', 'pbx'],
    ['unpause', 'pbx', 'pbx'],
    ['login', 'resync', 'resync'],
    ['unpause', 'reconcile', 'reconcile'],
  ]);
  await api('command=logoff&agent=1001');
});

test('the record refuses an event whose actor does not fit its source', async () => {
  const row = { agent: '1001', exten: '2001', queue: 'support', kind: 'pause', reason: null };
  for (const [source, actor] of [['http', 'phone:2001'], ['phone', 'ip:10.0.0.1'], ['pbx', 'key:x'], ['policy', 'resync'], ['reconcile', 'agent:1001']]) {
    await assert.rejects(h.knex('events').insert({ ...row, source, actor }), /events_actor_check/, `${source} with ${actor}`);
  }
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { messageOf } from '../../src/commands/outcomes.js';
import { runCommand } from '../../src/commands/run.js';
import { type Harness, HTTP_BY, divergence, provisionMany, startHarness } from '../support/harness.js';

// Under load the claims (and the settles) waiting at the same moment share one statement: a round
// trip carries many commands. Each command still gets its own answer, its own rows and its own
// error.

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => h.close());

/** The statements this process sends to Postgres while `fn` runs, by what they are. */
async function statements<T>(fn: () => Promise<T>): Promise<{ result: T; claims: number; settles: number }> {
  let claims = 0;
  let settles = 0;
  const seen = (q: { sql: string }) => {
    if (q.sql.includes('agentgate_claim(')) claims += 1;
    if (q.sql.includes('delete from intents t using x')) settles += 1;
  };
  h.knex.on('query', seen);
  try {
    return { result: await fn(), claims, settles };
  } finally {
    h.knex.off('query', seen);
  }
}

describe('claims and settles waiting together share a statement', () => {
  test('60 logins at once: each answered Login OK and recorded with its own intent, in far fewer statements than commands', async () => {
    const team = await provisionMany(h.knex, 60);
    const { result, claims, settles } = await statements(() =>
      Promise.all(team.map((t) => runCommand(h.deps, { command: 'login', agent: t.agent, exten: t.exten, queue: 'support' }, HTTP_BY))),
    );
    assert.deepEqual(new Set(result.map(messageOf)), new Set(['Login OK']));
    assert.ok(claims < team.length / 2, `${claims} claim statements for ${team.length} logins`);
    assert.ok(settles < team.length / 2, `${settles} settle statements for ${team.length} logins`);
    const sessions = await h.knex('agent_sessions').whereIn('agent', team.map((t) => t.agent)).orderBy('agent');
    assert.deepEqual(sessions.map((s) => [s.agent, s.exten]), team.map((t) => [t.agent, t.exten]));
    const events = await h.knex('events').whereIn('agent', team.map((t) => t.agent)).select('agent', 'kind', 'intent');
    assert.equal(events.length, team.length);
    assert.equal(new Set(events.map((e) => e.intent)).size, team.length, 'one intent per login, each marking its own event');
    assert.equal(await h.knex('intents').count({ n: '*' }).first().then((r) => Number(r?.n)), 0, 'every claim ended');
    assert.deepEqual(await divergence(h.knex, h.sim), { onlyInAsterisk: [], onlyInDatabase: [] });

    // and back: the same for 60 logoffs
    const off = await statements(() => Promise.all(team.map((t) => runCommand(h.deps, { command: 'logoff', agent: t.agent }, HTTP_BY))));
    assert.deepEqual(new Set(off.result.map(messageOf)), new Set(['Logoff OK']));
    assert.ok(off.claims < team.length / 2 && off.settles < team.length / 2, `${off.claims} claims, ${off.settles} settles`);
    assert.equal(await h.knex('agent_sessions').whereIn('agent', team.map((t) => t.agent)).count({ n: '*' }).first().then((r) => Number(r?.n)), 0);
    assert.equal(h.sim.members().length, 0);
  });

  test('a settle that the database refuses fails alone: the others of its statement are recorded', async () => {
    const team = (await provisionMany(h.knex, 12)).slice(0, 12);
    const { claims } = h.deps;
    const claimed = await Promise.all(team.map((t) => claims.claim(h.knex, 'PJSIP/{exten}', { agent: t.agent, action: 'observe', source: 'pbx', actions: 0 })));
    const ids = claimed.map((c) => (c.kind === 'claimed' ? c.claim.id : assert.fail(`not claimed: ${c.kind}`)));
    const bad = ids.length - 1;
    const settled = await Promise.allSettled(
      ids.map((id, k) =>
        claims.settle(h.knex, {
          id,
          own: false,
          before: undefined,
          // the last one records an event of a kind the table does not take
          change: { events: [{ exten: null, queue: null, kind: (k === bad ? 'no-such-kind' : 'reverted') as 'reverted', source: 'pbx' }] },
        }),
      ),
    );
    assert.deepEqual(settled.slice(0, bad).map((s) => s.status === 'fulfilled' && s.value), Array(bad).fill(true));
    const refused = settled[bad];
    assert.equal(refused?.status, 'rejected');
    assert.match(String((refused as PromiseRejectedResult).reason), /events_kind_check/);
    const written = await h.knex('events').whereIn('agent', team.map((t) => t.agent)).where({ kind: 'reverted' }).pluck('agent');
    assert.deepEqual(written.sort(), team.slice(0, bad).map((t) => t.agent));
    // the refused one's intent is still there (its caller ends it); nothing of it was written
    assert.deepEqual(await h.knex('intents').pluck('id'), [ids[bad]]);
    await h.knex('intents').delete();
  });
});

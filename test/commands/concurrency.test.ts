import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { messageOf } from '../../src/commands/outcomes.js';
import { runCommand } from '../../src/commands/run.js';
import { type Harness, events, startHarness, HTTP_BY } from '../support/harness.js';

let h: Harness;
let skip: string | false = false;
before(async () => {
  h = await startHarness();
  if (!h.db.server) skip = 'no Postgres server on 127.0.0.1:5432: PGlite has one connection, so concurrency cannot be shown';
});
after(async () => h.close());

const run = (raw: Record<string, string>) => runCommand(h.deps, raw, HTTP_BY).then(messageOf);
const count = (answers: string[]) => answers.reduce<Record<string, number>>((acc, a) => ({ ...acc, [a]: (acc[a] ?? 0) + 1 }), {});

describe('concurrent commands for one agent: exactly one transition wins', () => {
  test('20 identical logins at once: all Login OK, the member added once, one event', async (t) => {
    if (skip) return t.skip(skip);
    const answers = await Promise.all(Array.from({ length: 20 }, () => run({ command: 'login', agent: '1001', exten: '2001', queue: 'support' })));
    assert.deepEqual(count(answers), { 'Login OK': 20 });
    assert.equal(h.sim.actionsOf('QueueAdd').length, 1);
    assert.equal(h.sim.members().length, 1);
    assert.equal((await events(h.knex, '1001')).filter((e) => e.kind === 'login').length, 1);
  });

  test('10 pauses at once: one Pause OK, nine Agent alredy paused, one QueuePause', async (t) => {
    if (skip) return t.skip(skip);
    const answers = await Promise.all(Array.from({ length: 10 }, () => run({ command: 'pause', agent: '1001', reason: 'Almoco' })));
    assert.deepEqual(count(answers), { 'Pause OK': 1, 'Agent alredy paused': 9 });
    assert.equal(h.sim.actionsOf('QueuePause').length, 1);
    assert.equal((await events(h.knex, '1001')).filter((e) => e.kind === 'pause').length, 1);
  });

  test('logins of two agents racing for one extension: one wins, the other hears Exten already in use', async (t) => {
    if (skip) return t.skip(skip);
    const answers = await Promise.all([
      run({ command: 'login', agent: '1002', exten: '2004', queue: 'support' }),
      run({ command: 'login', agent: '1004', exten: '2004', queue: 'support' }),
    ]);
    assert.deepEqual(answers.sort(), ['Exten already in use', 'Login OK']);
    assert.equal(h.sim.members().filter((m) => m.interface === 'PJSIP/2004').length, 1);
  });

  test('pause, unpause and logoff racing: the database and Asterisk end the same', async (t) => {
    if (skip) return t.skip(skip);
    const mix = ['unpause', 'pause', 'unpause', 'logoff', 'pause', 'unpause'].map((command) => run({ command, agent: '1001' }));
    await Promise.all(mix);
    const session = await h.knex('agent_sessions').where({ agent: '1001' }).first();
    const members = h.sim.members().filter((m) => m.interface === 'PJSIP/2001');
    if (!session) assert.deepEqual(members, []);
    else assert.deepEqual(members.map((m) => m.paused), [session.paused]);
  });
});

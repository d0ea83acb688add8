import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Harness, changesNothingIn, events, startHarness } from '../support/harness.js';
import { MODES, call } from './call.js';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => h.close());

const JSON_TYPE = 'application/json; charset=utf-8';

const changesNothing = <T>(fn: () => Promise<T>) => changesNothingIn(h, fn);

for (const mode of MODES) {
  describe(`CONTRACT §2 over ${mode}`, () => {
    const refused: Array<[string, Record<string, string>, number, string]> = [
      ['1: no command answers Command not specified', { agent: '1001' }, 400, 'Command not specified'],
      ['1: an empty command answers Command not specified', { command: '', agent: '1001' }, 400, 'Command not specified'],
      ['2: an unknown command answers Argument list invalid', { command: 'dance', agent: '1001' }, 400, 'Argument list invalid'],
      ['3: no agent answers Agent not specified', { command: 'login', exten: '2001', queue: 'support' }, 400, 'Agent not specified'],
      ['3: an empty agent answers Agent not specified', { command: 'pause', agent: '' }, 400, 'Agent not specified'],
      ['4: login without exten answers Argument list invalid', { command: 'login', agent: '1001', queue: 'support' }, 400, 'Argument list invalid'],
      ['4: login without queue answers Argument list invalid', { command: 'login', agent: '1001', exten: '2001' }, 400, 'Argument list invalid'],
      ['4: an exten with letters answers Argument list invalid', { command: 'login', agent: '1001', exten: '20a1', queue: 'support' }, 400, 'Argument list invalid'],
      ['4: a reason over 64 characters answers Argument list invalid', { command: 'pause', agent: '1001', reason: 'x'.repeat(65) }, 400, 'Argument list invalid'],
      ['5: an unknown agent answers Agent not exists', { command: 'login', agent: '9999', exten: '2001', queue: 'support' }, 200, 'Agent not exists'],
      ['5: logoff of an unknown agent answers Agent not exists', { command: 'logoff', agent: '9999' }, 200, 'Agent not exists'],
      ['6: an unknown queue answers Queue not exists', { command: 'login', agent: '1001', exten: '2999', queue: 'nosuch' }, 200, 'Queue not exists'],
      ['7: an unknown exten answers Exten not exists', { command: 'login', agent: '1001', exten: '2999', queue: 'billing' }, 200, 'Exten not exists'],
      ['8: a queue not flagged call-center answers Queue Call Center false', { command: 'login', agent: '1001', exten: '2009', queue: 'billing' }, 200, 'Queue Call Center false'],
      ['9: an exten not flagged call-center answers Exten Call Center false', { command: 'login', agent: '1001', exten: '2009', queue: 'support' }, 200, 'Exten Call Center false'],
      ['10: logoff of an agent not logged in answers Agent not logged', { command: 'logoff', agent: '1001' }, 200, 'Agent not logged'],
      ['10: pause of an agent not logged in answers Agent not logged', { command: 'pause', agent: '1001' }, 200, 'Agent not logged'],
      ['10: unpause of an agent not logged in answers Agent not logged', { command: 'unpause', agent: '1001' }, 200, 'Agent not logged'],
    ];
    for (const [name, params, status, error] of refused) {
      test(name, async () => {
        const res = await changesNothing(() => call(h.http, mode, params));
        assert.equal(res.status, status);
        assert.deepEqual(res.body, { error });
        assert.equal(res.type, JSON_TYPE);
      });
    }

    test('login, pause, unpause and logoff: answers, AMI actions and events', async () => {
      h.sim.clearActions();
      const before = (await events(h.knex, '1001')).length;

      const login = await call(h.http, mode, { command: 'login', agent: '1001', exten: '2001', queue: 'support' });
      assert.equal(login.status, 200);
      assert.deepEqual(login.body, { success: 'Login OK' });
      assert.equal(login.type, JSON_TYPE);
      const [add, ...moreAdds] = h.sim.actionsOf('QueueAdd');
      assert.equal(moreAdds.length, 0);
      assert.equal(add?.Queue, 'support');
      assert.equal(add?.Interface, 'PJSIP/2001');
      assert.equal(add?.MemberName, 'Maria Silva');
      assert.equal(add?.StateInterface, 'PJSIP/2001');
      assert.equal(add?.Paused, 'false');
      assert.deepEqual(
        h.sim.members().map((m) => [m.queue, m.interface, m.memberName, m.paused]),
        [['support', 'PJSIP/2001', 'Maria Silva', false]],
      );

      const again = await changesNothing(() => call(h.http, mode, { command: 'login', agent: '1001', exten: '2001', queue: 'support' }));
      assert.deepEqual(again.body, { success: 'Login OK' }, 'the same login again is idempotent');

      const pause = await call(h.http, mode, { command: 'pause', agent: '1001', reason: 'almoco' });
      assert.deepEqual([pause.status, pause.body], [200, { success: 'Pause OK' }]);
      const [p] = h.sim.actionsOf('QueuePause');
      assert.equal(p?.Interface, 'PJSIP/2001');
      assert.equal(p?.Paused, 'true');
      assert.equal(p?.Reason, 'Almoco', 'a reason matching a configured name (any case) is sent as the configured name');
      assert.equal(p?.Queue, undefined, 'one QueuePause for all of the agent queues');
      assert.equal(h.sim.members()[0]?.paused, true);

      const twice = await changesNothing(() => call(h.http, mode, { command: 'pause', agent: '1001' }));
      assert.deepEqual([twice.status, twice.body], [200, { error: 'Agent alredy paused' }]);

      const unpause = await call(h.http, mode, { command: 'unpause', agent: '1001' });
      assert.deepEqual([unpause.status, unpause.body], [200, { success: 'Unpause OK' }]);
      assert.equal(h.sim.actionsOf('QueuePause')[1]?.Paused, 'false');
      assert.equal(h.sim.actionsOf('QueuePause')[1]?.Reason, undefined);

      const unpauseAgain = await changesNothing(() => call(h.http, mode, { command: 'unpause', agent: '1001' }));
      assert.deepEqual([unpauseAgain.status, unpauseAgain.body], [200, { error: 'Agent alredy available' }]);

      const byCode = await call(h.http, mode, { command: 'pause', agent: '1001', reason: '2' });
      assert.deepEqual(byCode.body, { success: 'Pause OK' });
      assert.equal(h.sim.actionsOf('QueuePause')[2]?.Reason, 'Banheiro', 'a reason given by code is sent as its name');

      const logoff = await call(h.http, mode, { command: 'logoff', agent: '1001' });
      assert.deepEqual([logoff.status, logoff.body], [200, { success: 'Logoff OK' }]);
      const [remove] = h.sim.actionsOf('QueueRemove');
      assert.deepEqual([remove?.Queue, remove?.Interface], ['support', 'PJSIP/2001']);
      assert.deepEqual(h.sim.members(), []);

      const rows = (await events(h.knex, '1001')).slice(before);
      assert.deepEqual(rows, [
        { agent: '1001', exten: '2001', queue: 'support', kind: 'login', reason: null, source: 'http' },
        { agent: '1001', exten: '2001', queue: null, kind: 'pause', reason: 'Almoco', source: 'http' },
        { agent: '1001', exten: '2001', queue: null, kind: 'unpause', reason: null, source: 'http' },
        { agent: '1001', exten: '2001', queue: null, kind: 'pause', reason: 'Banheiro', source: 'http' },
        { agent: '1001', exten: '2001', queue: 'support', kind: 'logoff', reason: null, source: 'http' },
      ]);
    });

    test('additions: Agent already logged, Exten already in use, a second queue on the same exten', async () => {
      assert.deepEqual((await call(h.http, mode, { command: 'login', agent: '1002', exten: '2002', queue: 'support' })).body, { success: 'Login OK' });
      assert.equal(h.sim.actionsOf('QueueAdd').at(-1)?.Interface, 'SIP/2002', 'an extension row overrides the interface');

      const elsewhere = await changesNothing(() => call(h.http, mode, { command: 'login', agent: '1002', exten: '2004', queue: 'support' }));
      assert.deepEqual([elsewhere.status, elsewhere.body], [200, { error: 'Agent already logged' }]);
      const taken = await changesNothing(() => call(h.http, mode, { command: 'login', agent: '1004', exten: '2002', queue: 'support' }));
      assert.deepEqual([taken.status, taken.body], [200, { error: 'Exten already in use' }]);

      assert.deepEqual((await call(h.http, mode, { command: 'login', agent: '1002', exten: '2002', queue: 'sales' })).body, { success: 'Login OK' });
      const status = await call(h.http, mode, { command: 'status', agent: '1002' });
      assert.equal(status.status, 200);
      assert.deepEqual({ ...status.body, since: typeof status.body.since }, {
        success: 'Status OK',
        agent: '1002',
        state: 'available',
        exten: '2002',
        pbx: 'default',
        queues: ['sales', 'support'],
        paused_queues: [],
        reason: null,
        actor: null,
        since: 'string',
        call: null,
      });
      assert.ok(!Number.isNaN(Date.parse(String(status.body.since))));

      assert.deepEqual((await call(h.http, mode, { command: 'pause', agent: '1002', reason: 'Reunião com cliente' })).body, { success: 'Pause OK' });
      const paused = await call(h.http, mode, { command: 'status', agent: '1002' });
      assert.equal(paused.body.state, 'paused');
      assert.equal(paused.body.reason, 'Reunião com cliente', 'free text is kept as given');
      assert.deepEqual(h.sim.members().filter((m) => m.memberName === 'João Souza').map((m) => [m.queue, m.paused, m.reason]).sort(), [
        ['sales', true, 'Reunião com cliente'],
        ['support', true, 'Reunião com cliente'],
      ]);

      assert.deepEqual((await call(h.http, mode, { command: 'logoff', agent: '1002' })).body, { success: 'Logoff OK' });
      assert.deepEqual(h.sim.actionsOf('QueueRemove').slice(-2).map((a) => a.Queue).sort(), ['sales', 'support']);
      const off = await call(h.http, mode, { command: 'status', agent: '1002' });
      assert.equal(off.body.state, 'logged_off');
      assert.deepEqual(off.body.queues, []);
      assert.equal(off.body.exten, null);
    });

    test('a Local interface gets the state interface of its extension row', async () => {
      assert.deepEqual((await call(h.http, mode, { command: 'login', agent: '1003', exten: '2003', queue: 'support' })).body, { success: 'Login OK' });
      const add = h.sim.actionsOf('QueueAdd').at(-1);
      assert.deepEqual([add?.Interface, add?.StateInterface, add?.MemberName], ['Local/2003@from-queue/n', 'PJSIP/2003', 'Ana Lima']);
      assert.deepEqual((await call(h.http, mode, { command: 'logoff', agent: '1003' })).body, { success: 'Logoff OK' });
    });
  });
}

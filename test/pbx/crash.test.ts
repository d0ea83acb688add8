import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { applyProvision, readProvisionFile } from '../../src/provision/apply.js';
import { SimAsterisk } from '../support/asterisk.js';
import { type TestDb, freshDatabase } from '../support/db.js';
import { twoPbxesYaml } from '../support/two-pbxes.js';
import { until } from '../support/harness.js';
import { TcpProxy } from '../support/proxy.js';
import { type Scratch, scratchFolder } from '../support/scratch.js';
import { type Served, command, serve, stopServed } from '../support/service.js';

// kill -9 of the real process while the second PBX holds a login's QueueAdd, which it applies
// after: the intent names that PBX, so the next process settles it there (its QueueStatus, its
// QueueRemove) and asks the first PBX nothing about it.

let db: TestDb;
let scratch: Scratch;
let simA: SimAsterisk;
let simB: SimAsterisk;
let amiA: TcpProxy;
let amiB: TcpProxy;
before(async () => {
  db = await freshDatabase();
  scratch = scratchFolder('pbx-crash');
  simA = await SimAsterisk.start({ username: 'agentgate', secret: 'crash-a', queues: ['support'] });
  simB = await SimAsterisk.start({ username: 'agentgate', secret: 'crash-b', queues: ['sales'] });
  amiA = await TcpProxy.start(simA.port);
  amiB = await TcpProxy.start(simB.port);
  const yaml = twoPbxesYaml(amiA.port, amiB.port);
  await applyProvision(db.knex, readProvisionFile(scratch.file('two.yaml', yaml)), { prune: false, path: 'two.yaml' });
});
after(async () => {
  await amiA.close();
  await amiB.close();
  await simA.close();
  await simB.close();
  await db.drop();
  scratch.remove();
});

const env = (url: string) => ({ DATABASE_URL: url, AMI_TIMEOUT_MS: '500', PBX_A_SECRET: 'crash-a', PBX_B_SECRET: 'crash-b' });

/** The in-doubt intent settled by `svc`: nothing left on the second PBX, nothing in doubt (else its log). */
async function settledOnB(svc: Served): Promise<void> {
  await until(async () => !simB.members().length && (await db.knex('intents').first()) === undefined, 'settled', 10_000).catch((err) => {
    throw new Error(`${(err as Error).message}\n${svc.logs.join('\n')}`);
  });
}

/** Both PBXs up, as /readyz names them. */
async function bothUp(svc: Served): Promise<void> {
  await until(async () => {
    const res = await fetch(`${svc.base}/readyz`).catch(() => undefined);
    const body = res ? ((await res.json()) as { pbxes?: Record<string, string> }) : undefined;
    return body?.pbxes?.a === 'up' && body.pbxes.b === 'up';
  }, 'both PBXs up');
}

test('killed while the second PBX holds the QueueAdd, which it applies after: the next process takes the member out there', async (t) => {
  if (!db.server || !db.url) return t.skip('needs a Postgres server');
  const first = await serve(env(db.url));
  await bothUp(first);
  assert.equal(await command(first.base, { command: 'login', agent: '1001', exten: '2001', queue: 'support' }), 'Login OK');
  const held = amiB.hold('toServer', 'Action: QueueAdd');
  const answer = command(first.base, { command: 'login', agent: '1002', exten: '2002', queue: 'sales' }).catch(() => 'no answer');
  await held;
  const intent = await db.knex('intents').where({ agent: '1002' }).first();
  assert.deepEqual(intent?.pbx, { sales: 'b' }, 'the intent names the PBX it acts on');
  await stopServed(first, 'SIGKILL');
  assert.equal(await answer, 'no answer');
  amiB.releaseAll(); // the second PBX applies it now: its sender is gone
  await until(() => simB.members().some((m) => m.interface === 'PJSIP/2002'), 'the second PBX applied the held QueueAdd');
  simA.clearActions();
  simB.clearActions();

  const second = await serve(env(db.url));
  try {
    await settledOnB(second);
    const rows = await db.knex('events').where({ agent: '1002' });
    assert.deepEqual(rows.map((r) => [r.kind, r.source, JSON.parse(r.detail).did]), [['reverted', 'resync', ['QueueRemove sales']]]);
    const asked = (sim: SimAsterisk) => sim.actions.filter((a) => a.Action === 'QueueStatus' && a.Member === 'PJSIP/2002').length;
    assert.ok(asked(simB) > 0, 'the second PBX was asked about the member');
    assert.equal(asked(simA), 0, 'the first PBX was not');
    assert.deepEqual(simA.actions.filter((a) => a.Action === 'QueueRemove' || a.Action === 'QueueAdd'), [], 'nothing changed on the first PBX');
    assert.deepEqual(simA.members().map((m) => `${m.queue} ${m.interface}`), ['support PJSIP/2001'], 'its member stays');
    await bothUp(second);
    assert.equal(await command(second.base, { command: 'login', agent: '1002', exten: '2002', queue: 'sales' }), 'Login OK', 'and the agent can log in again');
    assert.equal(await command(second.base, { command: 'logoff', agent: '1002' }), 'Logoff OK');
    assert.equal(await command(second.base, { command: 'logoff', agent: '1001' }), 'Logoff OK');
  } finally {
    await stopServed(second, 'SIGKILL');
  }
});

test('killed while the second PBX holds the QueueAdd of a member across PBXs: the next process takes it out under its remote interface', async (t) => {
  if (!db.server || !db.url) return t.skip('needs a Postgres server');
  // a's phones reach b's queues as PJSIP/<exten>@from-a
  const across = `pbxes:\n  - { name: a, ami: { host: 127.0.0.1, port: ${amiA.port}, username: agentgate, secret_env: PBX_A_SECRET }, remote_interface: "PJSIP/{exten}@from-a" }\n`;
  await applyProvision(db.knex, readProvisionFile(scratch.file('across.yaml', across)), { prune: false, path: 'across.yaml' });
  const first = await serve(env(db.url));
  await bothUp(first);
  const held = amiB.hold('toServer', 'Action: QueueAdd');
  const answer = command(first.base, { command: 'login', agent: '1001', exten: '2001', queue: 'sales' }).catch(() => 'no answer');
  await held;
  await stopServed(first, 'SIGKILL');
  assert.equal(await answer, 'no answer');
  amiB.releaseAll();
  await until(() => simB.members().some((m) => m.interface === 'PJSIP/2001@from-a'), 'the second PBX applied the held QueueAdd');
  simA.clearActions();
  simB.clearActions();

  const second = await serve(env(db.url));
  try {
    await settledOnB(second);
    const rows = await db.knex('events').where({ agent: '1001', kind: 'reverted' });
    assert.deepEqual(rows.map((r) => JSON.parse(r.detail).did), [['QueueRemove sales']]);
    assert.ok(simB.actions.some((a) => a.Action === 'QueueRemove' && a.Interface === 'PJSIP/2001@from-a'), 'removed under the name b knows it by');
    assert.deepEqual(simA.actions.filter((a) => a.Action === 'QueueRemove' || a.Action === 'QueueAdd'), [], 'nothing changed on the first PBX');
    await bothUp(second);
    assert.equal(await command(second.base, { command: 'login', agent: '1001', exten: '2001', queue: 'sales' }), 'Login OK');
    assert.deepEqual(simB.members().map((m) => `${m.queue} ${m.interface}`), ['sales PJSIP/2001@from-a']);
    assert.equal(await command(second.base, { command: 'logoff', agent: '1001' }), 'Logoff OK');
    assert.deepEqual(simB.members(), []);
  } finally {
    await stopServed(second, 'SIGKILL');
  }
});

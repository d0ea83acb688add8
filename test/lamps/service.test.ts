import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { applyProvision, readProvisionFile } from '../../src/provision/apply.js';
import { SimAsterisk } from '../support/asterisk.js';
import { type TestDb, freshDatabase } from '../support/db.js';
import { lampDivergence, until } from '../support/harness.js';
import { BASE_YAML } from '../support/paths.js';
import { TcpProxy } from '../support/proxy.js';
import { type Served, command, ready, serve } from '../support/service.js';

// The real process: the lamps it sets at start, a command that answers while its lamp is stuck on
// the way, and a process killed before its lamp reached Asterisk, whose successor sets it.

let db: TestDb;
let sim: SimAsterisk;
let ami: TcpProxy;
before(async () => {
  db = await freshDatabase();
  await applyProvision(db.knex, readProvisionFile(BASE_YAML), { prune: false, path: 'base.yaml' });
  sim = await SimAsterisk.start({ username: 'agentgate', secret: 'lamp-secret' });
  ami = await TcpProxy.start(sim.port);
});
after(async () => {
  await ami.close();
  await sim.close();
  await db.drop();
});

const env = (url: string) => ({ DATABASE_URL: url, AMI_PORT: String(ami.port), AMI_SECRET: 'lamp-secret', AMI_TIMEOUT_MS: '500' });
const lamp = (exten: string) => sim.deviceState(`Custom:agentgate-${exten}`);

async function stop(svc: Served, signal: NodeJS.Signals): Promise<void> {
  svc.child.kill(signal);
  await svc.exited;
}

test('lamps from start-up; a command answers while its lamp is held up; kill -9 before it arrived: the next process sets it', async (t) => {
  if (!db.server || !db.url) return t.skip('needs a Postgres server');
  const first = await serve(env(db.url));
  try {
    await ready(first.base);
    await until(() => lamp('2001') === 'UNAVAILABLE' && lamp('2009') === 'UNAVAILABLE', 'the start-up resync set the lamps');
    assert.deepEqual(await lampDivergence(db.knex, sim), []);
    assert.equal(await command(first.base, { command: 'login', agent: '1001', exten: '2001', queue: 'support' }), 'Login OK');
    await until(() => lamp('2001') === 'NOT_INUSE', 'the login lamp');

    const held = ami.hold('toServer', 'Action: Setvar');
    assert.equal(await command(first.base, { command: 'pause', agent: '1001', reason: 'Almoco' }), 'Pause OK', 'answered without the lamp');
    await held;
    assert.equal(lamp('2001'), 'NOT_INUSE', 'the lamp has not reached Asterisk');
  } finally {
    await stop(first, 'SIGKILL');
  }

  const second = await serve(env(db.url));
  try {
    await until(() => lamp('2001') === 'INUSE', 'the next process set the lamp from the record', 60_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${second.logs.join('\n')}`);
    });
    const report = async () => ((await (await fetch(`${second.base}/readyz`)).json()) as { resync: { lamps?: number } }).resync;
    await until(async () => (await report()).lamps !== undefined, 'the start-up resync reported');
    assert.equal((await report()).lamps, 1, 'the resync report counts it');
    assert.deepEqual(await lampDivergence(db.knex, sim), []);
  } finally {
    await stop(second, 'SIGTERM');
  }
});

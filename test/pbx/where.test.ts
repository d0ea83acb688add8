import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Knex } from 'knex';
import { accessCheck } from '../../src/access/credentials.js';
import { parseAllowList } from '../../src/config.js';
import { buildHttp } from '../../src/http/app.js';
import { applyProvision, readProvisionFile } from '../../src/provision/apply.js';
import { type TestDb, freshDatabase } from '../support/db.js';
import { quietLog } from '../support/harness.js';
import { chromiumPresent, launchChromium } from '../support/browser.js';
import { scratchFolder } from '../support/scratch.js';

// Where it shows (CONTRACT §9): `pbx` in the lists, status, the record's events (the feed and the
// webhooks read them), and `?pbx=`. Read from the database alone: no Asterisk is asked.
let db: TestDb;
let knex: Knex;
let app: ReturnType<typeof buildHttp>;
const scratch = scratchFolder('pbx-where');

before(async () => {
  db = await freshDatabase();
  knex = db.knex;
  const path = scratch.file(
    'two.yaml',
    [
      'pbxes:',
      '  - { name: a, ami: { host: 127.0.0.1, username: agentgate, secret_env: PBX_A_SECRET } }',
      '  - { name: b, ami: { host: 127.0.0.2, username: agentgate, secret_env: PBX_B_SECRET } }',
      'queues:',
      '  - { name: support, pbx: a }',
      '  - { name: sales, pbx: b }',
      'extensions:',
      '  - { exten: "2001", pbx: a }',
      '  - { exten: "3001", pbx: b }',
      'agents:',
      '  - { agent: "1001", name: "Maria Silva", queues: [support] }',
      '  - { agent: "1002", name: "João Souza", queues: [sales] }',
      '  - { agent: "1003", name: "Ana Lima", queues: [sales] }',
      '',
    ].join('\n'),
  );
  await applyProvision(knex, readProvisionFile(path), { prune: false, path });
  await knex('agent_sessions').insert([
    { agent: '1001', exten: '2001', interface: 'PJSIP/2001', member_name: 'Maria Silva', since: '2026-12-07T10:00:00Z' },
    { agent: '1002', exten: '3001', interface: 'PJSIP/3001', member_name: 'João Souza', since: '2026-12-07T10:05:00Z' },
  ]);
  await knex('session_queues').insert([
    { agent: '1001', queue: 'support', paused: false },
    { agent: '1002', queue: 'sales', paused: false },
  ]);
  app = buildHttp({
    db: knex,
    log: quietLog,
    access: accessCheck(parseAllowList('127.0.0.1/32'), []),
    readiness: async () => ({ database: true, pbx: true }),
  } as unknown as Parameters<typeof buildHttp>[0]);
  await app.ready();
});
after(async () => {
  await app?.close();
  await db.drop();
  scratch.remove();
});

const get = async (url: string) => {
  const res = await app.inject({ method: 'GET', url, remoteAddress: '127.0.0.1' });
  return { status: res.statusCode, body: res.json() as Record<string, any> };
};

test('/api/agents names each agent\'s PBX (its phone\'s) and ?pbx= keeps one PBX, logged-off agents by their default queues', async () => {
  const all = (await get('/api/agents')).body.agents as Array<{ agent: string; pbx: string | null }>;
  assert.deepEqual(all.map((a) => [a.agent, a.pbx]), [['1001', 'a'], ['1002', 'b'], ['1003', null]]);
  const agents = async (pbx: string) => ((await get(`/api/agents?pbx=${pbx}`)).body.agents as Array<{ agent: string }>).map((a) => a.agent);
  assert.deepEqual(await agents('a'), ['1001']);
  assert.deepEqual(await agents('b'), ['1002', '1003']);
  assert.deepEqual(await agents('c'), []);
  assert.deepEqual(await get('/api/agents?pbx='), { status: 400, body: { error: 'Argument list invalid', detail: 'pbx' } });
});

test('/api/queues names each queue\'s PBX and ?pbx= keeps one', async () => {
  const queues = (await get('/api/queues')).body.queues as Array<{ queue: string; pbx: string }>;
  assert.deepEqual(queues.map((q) => [q.queue, q.pbx]), [['sales', 'b'], ['support', 'a']]);
  assert.deepEqual(((await get('/api/queues?pbx=a')).body.queues as Array<{ queue: string }>).map((q) => q.queue), ['support']);
});

test('status names the PBX of the agent\'s phone; logged off, none', async () => {
  const status = async (agent: string) => (await get(`/api/agent.php?command=status&agent=${agent}`)).body;
  assert.equal((await status('1002')).pbx, 'b');
  assert.equal((await status('1003')).pbx, null);
});

test('every event the record takes names its PBX: the queue\'s, else the phone\'s', async () => {
  await knex('events').insert([
    { agent: '1002', exten: '3001', queue: 'sales', kind: 'login', source: 'http' },
    { agent: '1002', exten: '3001', queue: null, kind: 'pause', reason: 'x', source: 'http' },
    { agent: '1001', exten: '2001', queue: 'support', kind: 'logoff', source: 'http' },
  ]);
  assert.deepEqual(await knex('events').orderBy('id').pluck('pbx'), ['b', 'b', 'a']);
});

test('the wallboard offers a PBX picker when the queues are on two, and shows one PBX\'s queues and agents', async (t) => {
  if (!chromiumPresent()) return t.skip('no /usr/bin/chromium (apt-get install chromium)');
  await app.listen({ host: '127.0.0.1', port: 0 });
  const browser = await launchChromium();
  try {
    const page = await (await browser.newContext({ locale: 'en-US' })).newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}/wallboard`);
    await page.locator('#pbx-filter').waitFor({ state: 'visible', timeout: 10_000 });
    assert.deepEqual(await page.locator('#pbx option').allInnerTexts(), ['All', 'a', 'b']);
    await page.locator('.tile[data-agent="1002"]').waitFor();
    await page.selectOption('#pbx', 'a');
    await page.locator('.tile[data-agent="1002"]').waitFor({ state: 'detached', timeout: 5000 });
    assert.deepEqual(await page.locator('.tile').evaluateAll((ts) => ts.map((x) => (x as HTMLElement).dataset.agent)), ['1001']);
    assert.deepEqual(await page.locator('#queue-counts .chip').evaluateAll((cs) => cs.map((c) => (c as HTMLElement).dataset.queue)), ['support']);
    // the choice is kept: the page opens on it again
    await page.reload();
    await page.locator('.tile[data-agent="1001"]').waitFor();
    assert.equal(await page.locator('#pbx').inputValue(), 'a');
    assert.equal(await page.locator('.tile[data-agent="1002"]').count(), 0);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

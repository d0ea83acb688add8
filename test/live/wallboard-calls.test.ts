import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import type { Service } from '../../src/service.js';
import type { SimAsterisk } from '../support/asterisk.js';
import type { TestDb } from '../support/db.js';
import { type WallboardRig, startWallboardRig } from '../support/wallboard-rig.js';
import { until } from '../support/harness.js';
import { BASE_YAML } from '../support/paths.js';

let rig: WallboardRig;
let db: TestDb;
let sim: SimAsterisk;
let svc: Service;
let browser: Browser | undefined;
let shots: string;
let command: WallboardRig['command'];

before(async () => {
  rig = await startWallboardRig({ provision: BASE_YAML, name: 'wallboard-calls' });
  ({ db, sim, svc, browser, dir: shots, command } = rig);
});
after(() => rig?.close());

test('the wallboard shows a ringing phone, a call with its timer and queue (within 1 s of AgentConnect), a paused agent still on a call, and callers waiting too long', async (t) => {
  if (!browser) return t.skip('no /usr/bin/chromium (apt-get install chromium)');
  if (!db.server) return t.skip('needs a Postgres server');
  assert.deepEqual(await command({ command: 'login', agent: '1001', exten: '2001', queue: 'support' }), { success: 'Login OK' });
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // what the page reads: a call or queue message must not cost a read of the lists
  const reads = { agents: 0, queues: 0 };
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path === '/api/agents') reads.agents++;
    if (path === '/api/queues') reads.queues++;
  });
  await page.goto(`http://127.0.0.1:${svc.httpPort}/wallboard`);
  await page.locator('#conn[data-state="live"]').waitFor({ timeout: 5000 });
  const tile = page.locator('.tile[data-agent="1001"][data-queue="support"]');
  await tile.and(page.locator('[data-state="available"]')).waitFor({ timeout: 5000 });
  assert.equal(await tile.getAttribute('data-call'), null, 'idle: no call');

  // a caller waits; past the page's alert (1 s here) the queue's count stands out
  await page.locator('#wait-limit').fill('1');
  await page.locator('#wait-limit').dispatchEvent('change');
  const call = sim.callArrives('support', { callerNum: '5511999990000' });
  const chip = page.locator('.chip[data-queue="support"] .waiting');
  await chip.and(page.locator('[data-waiting="1"]')).waitFor({ timeout: 1000 });
  assert.match(await chip.innerText(), /1 waiting/);
  await chip.and(page.locator('.long-wait')).waitFor({ timeout: 5000 });
  assert.match(await chip.innerText(), /longest 0:0[1-9]/);
  assert.equal(await page.locator('section.queue[data-queue="support"] h2 .waiting[data-waiting="1"]').count(), 1, 'the queue header says it too');

  const readsBefore = { ...reads };
  call.ring('PJSIP/2001');
  await tile.and(page.locator('[data-call="ringing"]')).waitFor({ timeout: 1000 });
  assert.match(await tile.innerText(), /Ringing/);

  call.answer('PJSIP/2001');
  const started = performance.now();
  await tile.and(page.locator('[data-call="on_call"]')).waitFor({ timeout: 1000 });
  const tookMs = performance.now() - started;
  const text = await tile.innerText();
  for (const s of ['On a call', 'support', '5511999990000', 'Available']) assert.ok(text.includes(s), `the tile shows "${s}": ${JSON.stringify(text)}`);
  assert.match(await tile.locator('.call-timer').innerText(), /^0:0\d$/);
  await chip.and(page.locator('[data-waiting="0"]')).waitFor({ timeout: 1000 });
  assert.equal(await chip.and(page.locator('.long-wait')).count(), 0, 'nobody waits any more');
  assert.equal(await page.locator('section.queue[data-queue="support"] h2 .waiting[data-waiting="0"]').count(), 1, 'nor in the queue header');
  assert.deepEqual(reads, readsBefore, 'the ring, the answer and the caller leaving the queue patched the page: no list was read');
  await page.screenshot({ path: join(shots, 'on-call.png') });

  // paused during the call: both show
  assert.deepEqual(await command({ command: 'pause', agent: '1001', reason: 'Almoco' }), { success: 'Pause OK' });
  await tile.and(page.locator('[data-state="paused"][data-call="on_call"]')).waitFor({ timeout: 1000 });
  for (const s of ['Paused', 'Almoco', 'On a call']) assert.ok((await tile.innerText()).includes(s), `paused and on a call: "${s}"`);
  assert.equal(await tile.locator('.timer').count(), 1, 'the pause timer');
  assert.equal(await tile.locator('.call-timer').count(), 1, 'and the call timer');

  call.hangup('agent');
  await tile.and(page.locator('[data-state="paused"]:not([data-call])')).waitFor({ timeout: 1000 });
  assert.ok(!(await tile.innerText()).includes('On a call'));
  assert.deepEqual(await command({ command: 'unpause', agent: '1001' }), { success: 'Unpause OK' });
  await tile.and(page.locator('[data-state="available"]:not([data-call])')).waitFor({ timeout: 1000 });

  // Portuguese
  await page.getByRole('button', { name: 'PT' }).click();
  const again = sim.callArrives('support');
  again.ring('PJSIP/2001').answer('PJSIP/2001');
  await tile.and(page.locator('[data-call="on_call"]')).waitFor({ timeout: 1000 });
  assert.match(await tile.innerText(), /Em ligação/);
  again.hangup('caller');
  await tile.and(page.locator(':not([data-call])')).waitFor({ timeout: 1000 });
  assert.ok(tookMs < 1000);
  assert.deepEqual(errors, [], 'no script errors on the page');
  await context.close();
});

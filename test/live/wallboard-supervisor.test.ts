import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { createKey } from '../../src/access/keys.js';
import { type WallboardRig, startWallboardRig } from '../support/wallboard-rig.js';
import { until } from '../support/until.js';
import { BASE_YAML } from '../support/paths.js';

const ADMIN = 'tok-admin-wall';
let rig: WallboardRig;
let supervisorKey: string;
let displayKey: string;

// The browser is outside API_ALLOW: only the key it was given counts, so its role decides the buttons.
before(async () => {
  rig = await startWallboardRig({ provision: BASE_YAML, name: 'wallboard-supervisor', env: { API_ALLOW: '127.0.0.2/32', API_TOKENS: ADMIN }, token: ADMIN });
  if (!rig.browser) return;
  supervisorKey = await createKey(rig.db.knex, { name: 'floor-a', role: 'supervisor', queues: ['support'] });
  displayKey = await createKey(rig.db.knex, { name: 'tv-1', role: 'display' });
});
after(() => rig?.close());

const tile = (page: Page, agent: string, queue: string) => page.locator(`.tile[data-agent="${agent}"][data-queue="${queue}"]`);

const lastEvent = async (agent: string, kind: string) =>
  (await rig.db.knex('events').where({ agent, kind }).orderBy('id', 'desc').first('actor', 'reason')) as { actor: string; reason: string | null } | undefined;

test('a supervisor key in the address leaves it for a cookie; its tiles pause with a reason, unpause and log off (a call asks first), for its queues only', async (t) => {
  if (!rig.browser) return t.skip('no /usr/bin/chromium (apt-get install chromium)');
  const { sim, svc } = rig;
  assert.deepEqual(await rig.command({ command: 'login', agent: '1001', exten: '2001', queue: 'support' }), { success: 'Login OK' });
  assert.deepEqual(await rig.command({ command: 'login', agent: '1002', exten: '2002', queue: 'sales' }), { success: 'Login OK' });
  const context = await rig.browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await page.goto(`http://127.0.0.1:${svc.httpPort}/wallboard?token=${encodeURIComponent(supervisorKey)}`);
  const maria = tile(page, '1001', 'support');
  await maria.getByRole('button', { name: 'Pause' }).waitFor({ timeout: 5000 });
  assert.equal(new URL(page.url()).search, '', 'the token leaves the address bar');
  assert.ok(!page.url().includes(supervisorKey));
  await page.reload();
  await page.locator('#conn[data-state="live"]').waitFor({ timeout: 5000 });
  await maria.getByRole('button', { name: 'Pause' }).waitFor({ timeout: 5000 });
  assert.equal(await tile(page, '1002', 'sales').count(), 1, 'an agent outside the scope is on the board');
  assert.equal(await tile(page, '1002', 'sales').getByRole('button').count(), 0, 'but has no buttons');
  assert.equal(await maria.getByRole('button', { name: 'Unpause' }).count(), 0, 'Unpause only when paused');

  // a command Asterisk refuses: its answer is shown on the tile
  sim.mode = 'refuse';
  await maria.getByRole('button', { name: 'Pause' }).click();
  await page.locator('#ask').getByLabel('Reason').selectOption({ label: 'Banheiro' });
  await page.locator('#ask').getByRole('button', { name: 'Pause' }).click();
  await maria.locator('.note').waitFor({ timeout: 5000 });
  assert.match(await maria.locator('.note').innerText(), /^Not done: \S/);
  assert.equal(await maria.getAttribute('data-state'), 'available');
  sim.mode = 'normal';

  // pause with a reason
  sim.clearActions();
  await maria.getByRole('button', { name: 'Pause' }).click();
  await page.locator('#ask').getByLabel('Reason').selectOption({ label: 'Banheiro' });
  await page.locator('#ask').getByRole('button', { name: 'Pause' }).click();
  await maria.and(page.locator('[data-state="paused"]')).waitFor({ timeout: 5000 });
  assert.match(await maria.innerText(), /Banheiro/);
  assert.equal(await maria.locator('.note').count(), 0, 'the refusal is gone once a command is done');
  const [pause] = sim.actionsOf('QueuePause');
  assert.equal(pause?.Paused, 'true');
  assert.equal(pause?.Reason, 'Banheiro');
  assert.deepEqual(await lastEvent('1001', 'pause'), { actor: 'key:floor-a', reason: 'Banheiro' });

  // unpause
  await maria.getByRole('button', { name: 'Unpause' }).click();
  await maria.and(page.locator('[data-state="available"]')).waitFor({ timeout: 5000 });
  assert.equal(sim.actionsOf('QueuePause')[1]?.Paused, 'false');
  assert.equal((await lastEvent('1001', 'unpause'))?.actor, 'key:floor-a');

  // on a queue call a log off asks first; Cancel leaves the agent logged in
  const call = sim.callArrives('support', { callerNum: '5511999990000' });
  call.ring('PJSIP/2001');
  call.answer('PJSIP/2001');
  await maria.and(page.locator('[data-call="on_call"]')).waitFor({ timeout: 5000 });
  await maria.getByRole('button', { name: 'Log off' }).click();
  const ask = page.locator('#ask');
  await ask.waitFor({ state: 'visible' });
  assert.match(await ask.innerText(), /Maria Silva \(1001\) is on a queue call/);
  await ask.getByRole('button', { name: 'Cancel' }).click();
  await ask.waitFor({ state: 'hidden' });
  assert.equal(await lastEvent('1001', 'logoff'), undefined, 'Cancel sends nothing');
  await maria.getByRole('button', { name: 'Log off' }).click();
  await ask.getByRole('button', { name: 'Log off' }).click();
  await maria.and(page.locator('[data-state="logged_off"]')).waitFor({ timeout: 5000 });
  assert.equal((await lastEvent('1001', 'logoff'))?.actor, 'key:floor-a');
  await until(() => !sim.members().some((m) => m.interface === 'PJSIP/2001'), 'removed from the queue in Asterisk');
  call.hangup();

  assert.deepEqual(errors, [], 'no script errors on the page');
  await context.close();
});

test('a display key sees the board without any button, and its token leaves the address bar too', async (t) => {
  if (!rig.browser) return t.skip('no /usr/bin/chromium (apt-get install chromium)');
  assert.deepEqual(await rig.command({ command: 'login', agent: '1003', exten: '2003', queue: 'support' }), { success: 'Login OK' });
  assert.deepEqual(await rig.command({ command: 'pause', agent: '1003', reason: '1' }), { success: 'Pause OK' });
  const context = await rig.browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${rig.svc.httpPort}/wallboard?token=${encodeURIComponent(displayKey)}`);
  await tile(page, '1003', 'support').and(page.locator('[data-state="paused"]')).waitFor({ timeout: 5000 });
  await page.locator('#conn[data-state="live"]').waitFor({ timeout: 5000 });
  assert.equal(new URL(page.url()).search, '', 'the token leaves the address bar');
  assert.equal(await page.locator('.tile button, .tile .actions').count(), 0, 'no buttons on any tile');
  const me = await page.evaluate(async () => (await fetch('/api/me')).json());
  assert.equal(me.role, 'display');
  assert.equal(me.reasons, undefined, 'a display key is not told the reasons it could not use');
  await context.close();
});

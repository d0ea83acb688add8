import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createKey } from '../../src/access/keys.js';
import { type WallboardRig, startWallboardRig } from '../support/wallboard-rig.js';
import { BASE_YAML } from '../support/paths.js';

// The pages of docs/pauses.md: the agent panel asks, the wallboard answers, the panel shows it live.
const ADMIN = 'tok-admin-approval';
let rig: WallboardRig;
let supervisorKey: string;

before(async () => {
  rig = await startWallboardRig({ provision: BASE_YAML, name: 'approval-pages', env: { API_ALLOW: '127.0.0.2/32', API_TOKENS: ADMIN }, token: ADMIN });
  if (!rig.browser) return;
  supervisorKey = await createKey(rig.db.knex, { name: 'lead', role: 'supervisor' });
  await rig.db.knex('pause_reasons').insert({ code: 7, name: 'Medico', approval: true });
});
after(() => rig?.close());

test('an agent asks on the panel; the wallboard shows it with Approve / Deny; the panel shows each answer live; a queued pause shows on the tile', async (t) => {
  if (!rig.browser) return t.skip('no /usr/bin/chromium (apt-get install chromium)');
  const base = `http://127.0.0.1:${rig.svc.httpPort}`;
  assert.deepEqual(await rig.command({ command: 'login', agent: '1001', exten: '2001', queue: 'support' }), { success: 'Login OK' });
  const context = await rig.browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 800 } });
  const errors: string[] = [];
  const panel = await context.newPage();
  panel.on('pageerror', (e) => errors.push(e.message));
  await panel.goto(`${base}/agent`);
  await panel.getByLabel('Agent', { exact: true }).fill('1001');
  await panel.getByLabel('PIN', { exact: true }).fill('1234');
  await panel.getByRole('button', { name: 'Sign in' }).click();
  await panel.getByLabel('Reason', { exact: true }).selectOption({ label: 'Medico' });
  await panel.getByRole('button', { name: 'Pause', exact: true }).click();
  await panel.locator('#pending', { hasText: 'Waiting for a supervisor: Medico' }).waitFor({ timeout: 5000 });
  assert.equal(await panel.locator('#panel-message').innerText(), 'Pause requested');

  const board = await context.newPage();
  board.on('pageerror', (e) => errors.push(e.message));
  await board.goto(`${base}/wallboard?token=${encodeURIComponent(supervisorKey)}`);
  const maria = board.locator('.tile[data-agent="1001"][data-queue="support"]');
  await maria.getByRole('button', { name: 'Approve' }).waitFor({ timeout: 5000 });
  assert.match(await maria.locator('.pending').innerText(), /Asks to pause: Medico/);
  await maria.getByRole('button', { name: 'Approve' }).click();
  await maria.and(board.locator('[data-state="paused"]')).waitFor({ timeout: 5000 });
  await panel.locator('#panel-message', { hasText: 'Pause approved' }).waitFor({ timeout: 5000 });
  assert.equal(await panel.locator('#state').getAttribute('data-state'), 'paused');
  const approved = await rig.db.knex('events').where({ agent: '1001', kind: 'pause_approved' }).first('actor');
  assert.equal(approved.actor, 'key:lead');

  // asked again, denied
  await panel.getByRole('button', { name: 'Unpause' }).click();
  await panel.locator('#state[data-state="available"]').waitFor({ timeout: 5000 });
  await panel.getByLabel('Reason', { exact: true }).selectOption({ label: 'Medico' });
  await panel.getByRole('button', { name: 'Pause', exact: true }).click();
  await maria.getByRole('button', { name: 'Deny' }).click();
  await panel.locator('#panel-message', { hasText: 'Pause denied' }).waitFor({ timeout: 5000 });
  assert.equal(await panel.locator('#pending').isHidden(), true);
  assert.equal(await maria.getAttribute('data-state'), 'available');

  // under a floor, waiting for its turn: the tile says so until the pause begins by itself
  await rig.db.knex('queues').where({ name: 'support' }).update({ min_available: 1 });
  await panel.getByLabel('Reason', { exact: true }).selectOption({ label: 'Almoco' });
  await panel.locator('#wait').check();
  await panel.getByRole('button', { name: 'Pause', exact: true }).click();
  await panel.locator('#pending', { hasText: 'Pause queued' }).waitFor({ timeout: 5000 });
  await maria.locator('.pending', { hasText: 'Waiting to pause: Almoco' }).waitFor({ timeout: 5000 });
  assert.deepEqual(await rig.command({ command: 'login', agent: '1002', exten: '2002', queue: 'support' }), { success: 'Login OK' });
  await panel.locator('#state[data-state="paused"]').waitFor({ timeout: 5000 });
  await board.locator('.tile[data-agent="1001"][data-queue="support"][data-state="paused"]').waitFor({ timeout: 5000 });
  assert.deepEqual(errors, []);
  await context.close();
});

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { Service } from '../../src/service.js';
import { PausePolicy } from '../../src/sync/policy.js';
import { TestClock } from '../support/clock.js';
import { type WallboardRig, startWallboardRig } from '../support/wallboard-rig.js';
import { RULES_YAML } from '../support/paths.js';

let rig: WallboardRig;
let svc: Service;
let browser: Browser | undefined;
let dir: string;
let command: WallboardRig['command'];

before(async () => {
  rig = await startWallboardRig({ provision: RULES_YAML, name: 'rules-wall' });
  ({ svc, browser, dir, command } = rig);
});
after(() => rig?.close());

const tile = (page: Page, agent: string) => page.locator(`.tile[data-agent="${agent}"][data-state="paused"]`);

test('the wallboard shows a reason\'s limit beside the timer; that limit, not the page\'s, decides the red; a pause found overdue turns red', async (t) => {
  if (!browser) return t.skip('no /usr/bin/chromium (apt-get install chromium)');
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`http://127.0.0.1:${svc.httpPort}/wallboard`);
  await page.locator('#conn[data-state="live"]').waitFor({ timeout: 5000 });

  // Maria at lunch (Almoco: 60 min), João paused without a reason (the page's limit applies)
  assert.deepEqual(await command({ command: 'login', agent: '1001', exten: '2001', queue: 'support' }), { success: 'Login OK' });
  assert.deepEqual(await command({ command: 'pause', agent: '1001', reason: 'Almoco' }), { success: 'Pause OK' });
  assert.deepEqual(await command({ command: 'login', agent: '1002', exten: '2002', queue: 'sales' }), { success: 'Login OK' });
  assert.deepEqual(await command({ command: 'pause', agent: '1002' }), { success: 'Pause OK' });
  await tile(page, '1001').locator('.max').waitFor({ timeout: 5000 });
  assert.match(await tile(page, '1001').locator('.clock').innerText(), /^0:\d\d\s*\/ 60 min$/);
  assert.equal(await tile(page, '1001').locator('.max').getAttribute('title'), "this reason's limit");
  await tile(page, '1002').waitFor({ timeout: 5000 });
  assert.equal(await tile(page, '1002').locator('.max').count(), 0, 'no limit of its own to show');

  // the page's limit (3 s) turns João red; Maria's own limit (60 min) keeps her amber
  await page.locator('#limit').fill('0.05');
  await page.locator('#limit').dispatchEvent('change');
  await tile(page, '1002').and(page.locator('.overdue')).waitFor({ timeout: 10_000 });
  assert.equal(await tile(page, '1001').and(page.locator('.overdue')).count(), 0, 'Almoco has its own limit');

  // an hour later (on the pause rules' clock): the record says overdue, and the page shows it
  const clock = new TestClock();
  const policy = new PausePolicy(svc.deps, { clock });
  policy.request();
  await policy.idle();
  clock.advance(61 * 60_000);
  await policy.idle();
  policy.stop();
  await tile(page, '1001').and(page.locator('.overdue')).waitFor({ timeout: 5000 });
  assert.equal(await tile(page, '1001').getAttribute('title'), 'over the limit');

  // in Portuguese too
  await page.getByRole('button', { name: 'PT' }).click();
  assert.equal(await tile(page, '1001').locator('.max').getAttribute('title'), 'limite deste motivo');
  assert.equal(await page.locator('[data-t="limit"]').innerText(), 'Limite padrão de pausa (min)');
  await page.screenshot({ path: join(dir, 'rules.png') });
  assert.deepEqual(errors, [], 'no script errors on the page');
  await context.close();
});

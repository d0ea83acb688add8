import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import type { Service } from '../../src/service.js';
import { BREAKS_YAML } from '../support/paths.js';
import { type WallboardRig, startWallboardRig } from '../support/wallboard-rig.js';

let rig: WallboardRig;
let svc: Service;
let browser: Browser | undefined;

before(async () => {
  rig = await startWallboardRig({ provision: BREAKS_YAML, name: 'breaks-pages' });
  ({ svc, browser } = rig);
});
after(() => rig?.close());

test('the wallboard marks an agent whose rest break is due, and not once she is on a pause', async (t) => {
  if (!browser) return t.skip('no /usr/bin/chromium (apt-get install chromium)');
  assert.deepEqual(await rig.command({ command: 'login', agent: '1001', exten: '2001', queue: 'support' }), { success: 'Login OK' });
  assert.deepEqual(await rig.command({ command: 'login', agent: '1002', exten: '2002', queue: 'support' }), { success: 'Login OK' });
  // Maria has worked three hours without a rest break; João has just begun
  await rig.db.knex('events').where({ agent: '1001', kind: 'login' }).update({ at: rig.db.knex.raw(`now() - interval '3 hours'`) });
  const context = await browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`http://127.0.0.1:${svc.httpPort}/wallboard`);
  const maria = page.locator('.tile[data-agent="1001"]');
  await maria.locator('.rest-due').waitFor({ timeout: 10_000 });
  assert.equal(await maria.locator('.rest-due').innerText(), 'Rest break due');
  assert.equal(await page.locator('.tile[data-agent="1002"] .rest-due').count(), 0, 'João is not due');
  assert.deepEqual(await rig.command({ command: 'pause', agent: '1001', reason: 'Descanso' }), { success: 'Pause OK' });
  await page.locator('.tile[data-agent="1001"][data-state="paused"]').waitFor({ timeout: 5000 });
  assert.equal(await maria.locator('.rest-due').count(), 0, 'on her break: no mark');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the breaks view beside the pause report shows each shift, its breaks and what falls short, in Portuguese too', async (t) => {
  if (!browser) return t.skip('no /usr/bin/chromium (apt-get install chromium)');
  const at = (hm: string) => new Date(`2026-11-10T${hm}:00-03:00`);
  await rig.db.knex('events').insert([
    { at: at('08:00'), agent: '1002', exten: '2002', queue: 'support', kind: 'login', source: 'http' },
    { at: at('08:30'), agent: '1002', exten: '2002', kind: 'pause', reason: 'Descanso', source: 'phone' },
    { at: at('08:40'), agent: '1002', exten: '2002', kind: 'unpause', source: 'phone' },
    { at: at('11:00'), agent: '1002', exten: '2002', kind: 'pause', reason: 'Lanche', source: 'phone' },
    { at: at('11:20'), agent: '1002', exten: '2002', kind: 'unpause', source: 'phone' },
    { at: at('14:20'), agent: '1002', exten: '2002', queue: 'support', kind: 'logoff', source: 'http' },
  ]);
  const context = await browser.newContext({ locale: 'pt-BR' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`http://127.0.0.1:${svc.httpPort}/wallboard/reports?from=2026-11-10&to=2026-11-10&tz=America/Sao_Paulo`);
  await page.click('a[href="/wallboard/breaks"]');
  await page.waitForURL('**/wallboard/breaks');
  await page.fill('#from', '2026-11-10');
  await page.fill('#to', '2026-11-10');
  await page.fill('#tz', 'America/Sao_Paulo');
  await page.click('#show');
  const row = page.locator('tr[data-agent="1002"][data-day="2026-11-10"]');
  await row.waitFor({ timeout: 10_000 });
  assert.equal(await page.locator('h1').innerText(), 'Relatório de pausas NR-17');
  const cells = await row.locator('td').allInnerTexts();
  assert.deepEqual(cells.slice(0, 5), ['1002 · João Souza', '2026-11-10', '08:00–14:20', '6:20:00', '6:00:00']);
  assert.equal(cells[5], '08:30 · 0:10:00 · na primeira hora');
  assert.equal(cells[6], '11:00 · 0:20:00');
  assert.deepEqual(cells[7]!.split('\n'), ['pausa de descanso: na primeira hora (08:30)', 'pausa de descanso: não concedida']);
  await page.selectOption('#lang', 'en');
  assert.equal((await row.locator('td').nth(7).innerText()).split('\n')[1], 'rest break: missing');
  assert.deepEqual(errors, []);
  await context.close();
});

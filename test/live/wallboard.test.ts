import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../../src/config.js';
import { applyProvision, readProvisionFile } from '../../src/provision/apply.js';
import { type Service, startService } from '../../src/service.js';
import { callAgi } from '../support/agi-caller.js';
import { SimAsterisk } from '../support/asterisk.js';
import { chromiumPresent, launchChromium } from '../support/browser.js';
import { type TestDb, freshDatabase } from '../support/db.js';
import { quietLog } from '../support/harness.js';
import { BASE_YAML } from '../support/paths.js';

const TOKEN = 'tok-wall';
let db: TestDb;
let sim: SimAsterisk;
let svc: Service;
let browser: Browser | undefined;
let shots: string;
let httpPort = 0;

// The browser is not in API_ALLOW (only 127.0.0.2 is): the page must ask for a token, as it does
// for a TV on the call-center floor.
const start = () =>
  startService(
    loadConfig({
      DATABASE_URL: db.url,
      DATA_DIR: shots,
      HTTP_PORT: String(httpPort),
      AGI_PORT: '0',
      AMI_PORT: String(sim.port),
      AMI_SECRET: 'wall',
      API_ALLOW: '127.0.0.2/32',
      API_TOKENS: TOKEN,
      SHUTDOWN_GRACE_MS: '2000',
    }),
    quietLog,
  );

before(async () => {
  shots = mkdtempSync(join(tmpdir(), 'agentgate-wallboard-'));
  if (!chromiumPresent()) return;
  db = await freshDatabase();
  await applyProvision(db.knex, readProvisionFile(BASE_YAML), { prune: false, path: 'base.yaml' });
  sim = await SimAsterisk.start({ username: 'agentgate', secret: 'wall' });
  svc = await start();
  httpPort = svc.httpPort;
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await svc?.close();
  await sim?.close();
  await db?.drop();
  rmSync(shots, { recursive: true, force: true });
});

async function command(params: Record<string, string>): Promise<Record<string, string>> {
  const res = await fetch(`http://127.0.0.1:${httpPort}/api/agent.php?${new URLSearchParams(params)}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return (await res.json()) as Record<string, string>;
}

const tile = (page: Page, agent: string, queue: string) => page.locator(`.tile[data-agent="${agent}"][data-queue="${queue}"]`);

/** Waits (at most `ms`) until the tile shows `texts` and its colour says `state`. */
async function tileShows(page: Page, agent: string, queue: string, state: string, texts: string[], ms = 1000): Promise<void> {
  const t = tile(page, agent, queue);
  await t.and(page.locator(`[data-state="${state}"]`)).waitFor({ timeout: ms });
  const text = await t.innerText();
  for (const s of texts) assert.ok(text.includes(s), `tile ${agent}/${queue} shows "${s}": ${JSON.stringify(text)}`);
}

test('the wallboard asks for a token (kept only in an HttpOnly cookie), then follows logins and pauses from HTTP, the phone and Asterisk live, and says when the feed is lost', async (t) => {
  if (!browser) return t.skip('no /usr/bin/chromium (apt-get install chromium)');
  const context = await browser.newContext({ locale: 'pt-BR', viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  const first = await page.goto(`http://127.0.0.1:${httpPort}/wallboard`);
  assert.equal(first?.status(), 403);
  await page.getByText('Token de acesso').waitFor({ timeout: 5000 });
  await page.locator('#token').fill('wrong');
  await page.locator('#token').press('Enter');
  await page.getByText('Token recusado').waitFor({ timeout: 5000 });
  assert.equal(new URL(page.url()).search, '', 'a refused token leaves the address bar as well');
  await page.locator('#token').fill(TOKEN);
  await page.locator('#token').press('Enter');
  await page.locator('#conn[data-state="live"]').waitFor({ timeout: 5000 });
  assert.equal(await page.locator('#conn').innerText(), 'Ao vivo');
  await tileShows(page, '1004', '', 'logged_off', ['Pedro Rocha', 'Deslogado'], 5000);
  assert.equal(new URL(page.url()).search, '', 'the token leaves the address bar');
  const [cookie] = (await context.cookies()).filter((c) => c.name === 'agentgate_key');
  assert.ok(cookie?.httpOnly && cookie.sameSite === 'Strict', 'the key is kept in an HttpOnly, SameSite=Strict cookie');
  assert.deepEqual(
    await page.evaluate(() => [document.cookie, JSON.stringify({ ...sessionStorage }), JSON.stringify({ ...localStorage })].filter((x) => x.includes('tok-'))),
    [],
    'and nowhere a page script could read it',
  );
  await page.screenshot({ path: join(shots, 'empty.png') });

  // logged in over HTTP
  assert.deepEqual(await command({ command: 'login', agent: '1001', exten: '2001', queue: 'support' }), { success: 'Login OK' });
  await tileShows(page, '1001', 'support', 'available', ['Maria Silva', '1001 · 2001', 'Disponível']);

  // paused from a phone (*512: reason code 2)
  assert.deepEqual(await command({ command: 'login', agent: '1002', exten: '2002', queue: 'sales' }), { success: 'Login OK' });
  await tileShows(page, '1002', 'sales', 'available', ['João Souza']);
  const call = await callAgi(svc.agiPort, { script: 'pause?reason=2', callerId: '2002', language: 'pt_BR' });
  assert.equal(call.variablesSet.AGENTGATE_MESSAGE, 'Pause OK');
  await tileShows(page, '1002', 'sales', 'paused', ['Em pausa', 'Banheiro']);

  // paused in Asterisk itself (a supervisor console)
  assert.deepEqual(await command({ command: 'login', agent: '1003', exten: '2003', queue: 'support' }), { success: 'Login OK' });
  await tileShows(page, '1003', 'support', 'available', ['Ana Lima']);
  assert.ok(sim.externalPause('Local/2003@from-queue/n', true, 'Treinamento'));
  await tileShows(page, '1003', 'support', 'paused', ['Em pausa', 'Treinamento']);

  // the counts at the top
  const support = page.locator('.chip[data-queue="support"]');
  await support.getByText('2 logados').waitFor({ timeout: 1000 });
  assert.match(await support.innerText(), /1 Disponível[\s\S]*1 Em pausa/);
  assert.match(await page.locator('#reason-counts').innerText(), /1\s+Banheiro[\s\S]*1\s+Treinamento/);

  // a pause over the limit (a page setting) stands out; the timer counts
  await page.locator('#limit').fill('0.05');
  await page.locator('#limit').dispatchEvent('change');
  await tile(page, '1002', 'sales').and(page.locator('.overdue')).waitFor({ timeout: 5000 });
  assert.match(await tile(page, '1002', 'sales').locator('.timer').innerText(), /^0:0[3-9]$/);
  assert.equal(await tile(page, '1001', 'support').and(page.locator('.overdue')).count(), 0, 'available agents are never overdue');

  // the language can be switched on the page
  await page.getByRole('button', { name: 'EN' }).click();
  await tileShows(page, '1002', 'sales', 'paused', ['Paused', 'Banheiro']);
  assert.equal(await page.locator('#conn').innerText(), 'Live');
  await page.screenshot({ path: join(shots, 'populated.png') });

  // the service stops: the page says so; it comes back: the page reconnects and catches up
  await svc.close();
  await page.locator('#conn[data-state="lost"]').waitFor({ timeout: 3000 });
  assert.equal(await page.locator('#conn').innerText(), 'Connection lost — reconnecting…');
  await page.screenshot({ path: join(shots, 'lost.png') });
  svc = await start();
  await page.locator('#conn[data-state="live"]').waitFor({ timeout: 10_000 });
  assert.deepEqual(await command({ command: 'unpause', agent: '1002' }), { success: 'Unpause OK' });
  await tileShows(page, '1002', 'sales', 'available', ['Available']);

  assert.deepEqual(errors, [], 'no script errors on the page');
  await context.close();
});

test('a phone-sized screen and a TV both lay the tiles out without scrolling sideways', async (t) => {
  if (!browser) return t.skip('no /usr/bin/chromium (apt-get install chromium)');
  for (const viewport of [{ width: 390, height: 844 }, { width: 1920, height: 1080 }]) {
    const context = await browser.newContext({ viewport, locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${httpPort}/wallboard?token=${TOKEN}`);
    await page.locator('.tile[data-agent="1001"]').first().waitFor({ timeout: 5000 });
    assert.equal(new URL(page.url()).search, '', 'the token leaves the address bar');
    const { scroll, client, font } = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
      font: parseFloat(getComputedStyle(document.querySelector('.tile .name')!).fontSize),
    }));
    assert.ok(scroll <= client, `no sideways scroll at ${viewport.width}px`);
    if (viewport.width >= 1920) assert.ok(font >= 22, `large type on a TV (${font}px)`);
    await page.screenshot({ path: join(shots, `${viewport.width}.png`) });
    await context.close();
  }
});

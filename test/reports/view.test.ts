import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { type Browser, chromium } from 'playwright-core';
import { parseAllowList } from '../../src/config.js';
import { accessCheck } from '../../src/access/credentials.js';
import { buildHttp } from '../../src/http/app.js';
import { type Harness, startHarness } from '../support/harness.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `no ${CHROMIUM} (apt-get install chromium)`;

let h: Harness;
let app: FastifyInstance;
let browser: Browser;
let base: string;
let dir: string;

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'agentgate-view-'));
  h = await startHarness();
  const at = (day: string, hm: string) => new Date(`${day}T${hm}:00-03:00`);
  await h.knex('events').insert([
    { at: at('2026-11-10', '08:00'), agent: '1001', exten: '2001', queue: 'support', kind: 'login', source: 'http' },
    { at: at('2026-11-10', '10:00'), agent: '1001', exten: '2001', kind: 'pause', reason: 'Almoco', source: 'phone' },
    { at: at('2026-11-10', '11:00'), agent: '1001', exten: '2001', kind: 'unpause', source: 'phone' },
    { at: at('2026-11-10', '15:00'), agent: '1001', exten: '2001', kind: 'pause', reason: 'Reunião, "sala 2"', source: 'http' },
    { at: at('2026-11-10', '15:30'), agent: '1001', exten: '2001', kind: 'unpause', source: 'http' },
    { at: at('2026-11-10', '17:00'), agent: '1001', exten: '2001', queue: 'support', kind: 'logoff', source: 'http' },
    { at: at('2026-11-10', '09:00'), agent: '1002', exten: '2002', queue: 'support', kind: 'login', source: 'phone' },
    { at: at('2026-11-10', '12:00'), agent: '1002', exten: '2002', kind: 'pause', reason: 'Banheiro', source: 'pbx' },
    { at: at('2026-11-10', '12:10'), agent: '1002', exten: '2002', kind: 'unpause', source: 'pbx' },
    { at: at('2026-11-10', '18:00'), agent: '1002', exten: '2002', queue: 'support', kind: 'logoff', source: 'phone' },
  ]);
  await h.knex('queue_calls').insert({
    outcome: 'answered', queue: 'support', interface: 'PJSIP/2001', agent: '1001', caller: '1133334444', caller_uniqueid: 'c1', member_uniqueid: 'm1',
    started: at('2026-11-10', '09:00'), ended: at('2026-11-10', '09:02'), hold_s: 5, talk_s: 125, ended_by: 'caller',
  });
  // nobody is inside API_ALLOW: the page must ask for the token
  app = buildHttp({ ...h.deps, access: accessCheck(parseAllowList('192.0.2.1/32'), ['tok-123']), readiness: async () => ({ database: true, pbx: true }) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
});

after(async () => {
  if (skip) return;
  await browser?.close();
  await app?.close();
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the reports view asks for the token (kept only in an HttpOnly cookie), draws the chart and downloads the API\'s CSV byte for byte', { skip, timeout: 60_000 }, async () => {
  const context = await browser.newContext({ acceptDownloads: true, locale: 'en-US' });
  const page = await context.newPage();
  const query = 'from=2026-11-10&to=2026-11-10&tz=America/Sao_Paulo&group=agent';
  await page.goto(`${base}/wallboard/reports?${query}`);

  await page.locator('#token-form').waitFor({ state: 'visible' });
  assert.equal(await page.locator('h1').textContent(), 'Pause report', 'an en browser reads English');
  await page.fill('#token', 'wrong');
  await page.click('#token-form button[type=submit]');
  await page.getByText('That token was refused.').waitFor();
  assert.equal(new URL(page.url()).searchParams.has('token'), false, 'a refused token leaves the address bar as well');
  await page.fill('#token', 'tok-123');
  await page.click('#token-form button[type=submit]');

  await page.locator('#chart svg rect[data-reason]').first().waitFor();
  const bars = await page.$$eval('#chart svg rect[data-reason]', (rects) => rects.map((r) => [r.getAttribute('data-reason'), Number(r.getAttribute('data-seconds'))]));
  assert.deepEqual(bars.sort(), [['Almoco', 3600], ['Banheiro', 600], ['Reunião, "sala 2"', 1800]].sort());
  const labels = await page.$$eval('#chart svg text', (t) => t.map((x) => x.textContent));
  assert.ok(labels.includes('1001 · Maria Silva') && labels.includes('1002 · João Souza'), labels.join(' | '));
  assert.equal(await page.locator('#table tbody tr').count(), 2);
  const heads = await page.$$eval('#table thead th', (th) => th.map((x) => x.textContent));
  const maria = await page.$$eval('#table tbody tr:first-child td', (td) => td.map((x) => x.textContent));
  const cell = (name: string) => maria[heads.indexOf(name)];
  assert.deepEqual([cell('Calls answered'), cell('Talk time'), cell('Missed rings')], ['1', '0:02:05', '0'], `${heads.join('|')} / ${maria.join('|')}`);
  const left = new URL(page.url()).searchParams;
  assert.deepEqual([...left.keys()], ['from', 'to', 'tz', 'group'], 'the token leaves the address bar, the query stays');
  assert.equal(left.get('tz'), 'America/Sao_Paulo');
  const [cookie] = (await context.cookies()).filter((c) => c.name === 'agentgate_key');
  assert.ok(cookie?.httpOnly && cookie.sameSite === 'Strict', 'the key is kept in an HttpOnly, SameSite=Strict cookie');
  assert.deepEqual(
    await page.evaluate(() => [document.cookie, JSON.stringify({ ...sessionStorage }), JSON.stringify({ ...localStorage })].filter((x) => x.includes('tok-'))),
    [],
    'and nowhere a page script could read it',
  );
  await page.reload();
  await page.locator('#chart svg rect[data-reason]').first().waitFor();
  assert.equal(await page.locator('#token-form').isHidden(), true, 'a reload needs no token');

  const shot = join(dir, 'reports.png');
  await page.screenshot({ path: shot });
  assert.ok(statSync(shot).size > 1000);

  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  assert.equal(download.suggestedFilename(), 'pauses-by-agent-2026-11-10-2026-11-10.csv');
  const saved = join(dir, 'download.csv');
  await download.saveAs(saved);
  const api = await fetch(`${base}/api/reports/pauses?${query}&format=csv`, { headers: { authorization: 'Bearer tok-123' } });
  assert.equal(api.status, 200);
  assert.ok(Buffer.from(await api.arrayBuffer()).equals(readFileSync(saved)), 'the download is the API\'s CSV, byte for byte');

  await page.selectOption('#lang', 'pt-BR');
  assert.equal(await page.locator('h1').textContent(), 'Relatório de pausas');
  assert.equal(await page.locator('#show').textContent(), 'Mostrar');
  await context.close();
});

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { accessCheck } from '../../src/access/credentials.js';
import { parseAllowList } from '../../src/config.js';
import { buildHttp } from '../../src/http/app.js';
import { chromiumPresent, launchChromium } from '../support/browser.js';
import { type Harness, startHarness, until } from '../support/harness.js';
import { BASE_YAML } from '../support/paths.js';
import { openStream } from '../support/sse.js';

// The base provisioning, with a PIN for Ana Lima too: the lockout test locks her, not Maria.
const dir = mkdtempSync(join(tmpdir(), 'agentgate-panel-'));
const YAML = join(dir, 'panel.yaml');
writeFileSync(YAML, readFileSync(BASE_YAML, 'utf8').replace('name: "Ana Lima",', 'name: "Ana Lima", pin: "4321",'));

const PIN_MAX_FAILURES = 3;
let h: Harness;
/** The service's own limits (the harness's app). */
let port = 0;
/** The same service with a one-second idle timeout and PIN_MAX_FAILURES of 3. */
let short: ReturnType<typeof buildHttp>;
let shortPort = 0;
let browser: Browser | undefined;

before(async () => {
  h = await startHarness({ yaml: YAML });
  await h.http.listen({ host: '127.0.0.1', port: 0 });
  port = (h.http.server.address() as AddressInfo).port;
  short = buildHttp({
    ...h.deps,
    access: accessCheck(parseAllowList('127.0.0.1/32'), []),
    panelLimits: { idleS: 1, maxS: 300 },
    pinGuard: { maxFailures: PIN_MAX_FAILURES, windowS: 900, lockoutS: 900 },
    readiness: async () => ({ database: true, pbx: true }),
  });
  await short.listen({ host: '127.0.0.1', port: 0 });
  shortPort = (short.server.address() as AddressInfo).port;
  if (chromiumPresent()) browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await short?.close();
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

const SKIP = 'no /usr/bin/chromium (apt-get install chromium)';

async function openPanel(onPort: number, opts: { locale?: string; width?: number } = {}): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser!.newContext({ locale: opts.locale ?? 'en-US', viewport: { width: opts.width ?? 1024, height: 740 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    // a refused sign-in or an expired session is a 401 the page expects; anything else is a fault
    if (m.type() === 'error' && !/status of 40[13]|status of 429/.test(m.text())) errors.push(m.text());
  });
  await page.goto(`http://127.0.0.1:${onPort}/agent`);
  return { context, page, errors };
}

async function signIn(page: Page, agent: string, pin: string): Promise<void> {
  await page.getByLabel('Agent', { exact: true }).fill(agent);
  await page.getByLabel('PIN', { exact: true }).fill(pin);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

const stateShows = (page: Page, state: string) => page.locator(`#state[data-state="${state}"]`).waitFor({ timeout: 5000 });

/** A panel sign-in over plain HTTP: the cookie header to send with it. */
async function cookieFor(onPort: number, agent: string, pin: string): Promise<string> {
  const origin = `http://127.0.0.1:${onPort}`;
  const res = await fetch(`${origin}/agent/signin`, { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: JSON.stringify({ agent, pin }) });
  assert.equal(res.status, 200);
  return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
}

const eventCount = async () => Number((await h.knex('events').count<Array<{ n: string }>>({ n: '*' }))[0]!.n);

test('the panel: sign in, log in to the default queues, pause with a reason, unpause, log off, sign out', async (t) => {
  if (!browser) return t.skip(SKIP);
  const { context, page, errors } = await openPanel(port, { locale: 'pt-BR' });
  try {
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await signIn(page, '1001', '1234');
    await stateShows(page, 'logged_off');
    assert.match(await page.locator('#name').innerText(), /Maria Silva/);
    assert.match(await page.locator('#state').innerText(), /Deslogado/, 'pt-BR words for a pt-BR browser');
    // the default queue comes checked; the other call-center queue does not
    assert.equal(await page.getByRole('checkbox', { name: 'support' }).isChecked(), true);
    assert.equal(await page.getByRole('checkbox', { name: 'sales' }).isChecked(), false);

    await page.getByLabel('Extension', { exact: true }).fill('2001');
    await page.getByRole('button', { name: 'Log in' }).click();
    await stateShows(page, 'available');
    assert.deepEqual(await h.knex('session_queues').where({ agent: '1001' }).pluck('queue'), ['support']);

    await page.getByLabel('Reason', { exact: true }).selectOption({ label: 'Banheiro' });
    await page.getByRole('button', { name: 'Pause' }).click();
    await stateShows(page, 'paused');
    assert.match(await page.locator('#pause-info').innerText(), /Banheiro/);
    await page.locator('#timer').filter({ hasText: /^0:00:0\d$/ }).waitFor({ timeout: 3000 });
    const [pause] = h.sim.actionsOf('QueuePause');
    assert.deepEqual([pause?.Interface, pause?.Paused, pause?.Reason], ['PJSIP/2001', 'true', 'Banheiro']);
    const row = await h.knex('events').where({ agent: '1001', kind: 'pause' }).first('actor', 'reason', 'source');
    assert.deepEqual(row, { actor: 'agent:1001', reason: 'Banheiro', source: 'http' });

    await page.getByRole('button', { name: 'Unpause' }).click();
    await stateShows(page, 'available');
    assert.equal(h.sim.actionsOf('QueuePause').at(-1)?.Paused, 'false');
    await page.getByRole('button', { name: 'Log off' }).click();
    await stateShows(page, 'logged_off');
    assert.equal(await h.knex('agent_sessions').where({ agent: '1001' }).first(), undefined);
    const kinds = await h.knex('events').where({ agent: '1001' }).orderBy('id').select('kind', 'actor');
    assert.deepEqual(kinds.map((k) => k.kind), ['login', 'pause', 'unpause', 'logoff']);
    assert.ok(kinds.every((k) => k.actor === 'agent:1001'), JSON.stringify(kinds));

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    assert.equal(await h.knex('panel_sessions').where({ agent: '1001' }).first(), undefined, 'the session is gone from the table');
    // the cookie no longer opens anything
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('an answer asked for before "Sign out" and arriving after it does not bring the panel back', async (t) => {
  if (!browser) return t.skip(SKIP);
  const { context, page, errors } = await openPanel(port);
  try {
    await signIn(page, '1001', '1234');
    await stateShows(page, 'logged_off');
    // the next /agent/me is answered by the service at once but reaches the page only when let go
    let letGo!: () => void;
    const released = new Promise<void>((r) => (letGo = r));
    let answered!: () => void;
    const served = new Promise<void>((r) => (answered = r));
    await page.route('**/agent/me', async (route) => {
      const response = await route.fetch();
      answered();
      await released;
      await route.fulfill({ response });
    }, { times: 1 });
    // a change made elsewhere: the live stream makes the panel ask /agent/me again
    const origin = `http://127.0.0.1:${port}`;
    assert.match(await (await fetch(`${origin}/api/agent.php?command=login&agent=1001&exten=2001&queue=support`)).text(), /Login OK/);
    await served;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    const late = page.waitForResponse('**/agent/me');
    letGo();
    await late;
    // a request made after the late answer is read back only once the page has handled that answer
    await page.evaluate(() => fetch('/healthz').then((r) => r.text()));
    assert.equal(await page.getByRole('button', { name: 'Sign in' }).isVisible(), true, 'the sign-in form stays');
    assert.equal(await page.locator('#panel').isVisible(), false, 'the panel of the signed-out agent is not shown');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await fetch(`http://127.0.0.1:${port}/api/agent.php?command=logoff&agent=1001`);
  }
});

test('a state change made elsewhere shows on the panel live', async (t) => {
  if (!browser) return t.skip(SKIP);
  const { context, page } = await openPanel(port);
  try {
    await signIn(page, '1001', '1234');
    await stateShows(page, 'logged_off');
    await page.locator('#live').filter({ hasText: 'Live' }).waitFor({ timeout: 5000 });
    // an allow-listed caller logs her in: the panel follows without a click
    const res = await h.http.inject({ method: 'GET', url: '/api/agent.php?command=login&agent=1001&exten=2001&queue=support', remoteAddress: '127.0.0.1' });
    assert.equal(res.json().success, 'Login OK');
    await stateShows(page, 'available');
    await h.http.inject({ method: 'GET', url: '/api/agent.php?command=logoff&agent=1001', remoteAddress: '127.0.0.1' });
    await stateShows(page, 'logged_off');
  } finally {
    await context.close();
  }
});

test(`wrong PINs lock the sign-in after PIN_MAX_FAILURES (${PIN_MAX_FAILURES}); the right PIN then is refused too`, async (t) => {
  if (!browser) return t.skip(SKIP);
  const { context, page } = await openPanel(shortPort);
  const message = page.locator('#signin-message');
  try {
    for (let i = 1; i < PIN_MAX_FAILURES; i++) {
      await signIn(page, '1003', '0000');
      await message.filter({ hasText: 'Agent or PIN wrong.' }).waitFor({ timeout: 5000 });
      await page.evaluate(() => (document.getElementById('signin-message')!.textContent = ''));
    }
    await signIn(page, '1003', '0000');
    await message.filter({ hasText: 'Too many wrong PINs' }).waitFor({ timeout: 5000 });
    await page.evaluate(() => (document.getElementById('signin-message')!.textContent = ''));
    await signIn(page, '1003', '4321');
    await message.filter({ hasText: 'Too many wrong PINs' }).waitFor({ timeout: 5000 });
    assert.equal(await page.locator('#panel').isVisible(), false);
    assert.equal(await h.knex('panel_sessions').where({ agent: '1003' }).first(), undefined);
  } finally {
    await context.close();
  }
});

test('a POST from another origin carrying the session cookie changes nothing: 403 and no event', async () => {
  const cookie = await cookieFor(port, '1001', '1234');
  const body = JSON.stringify({ command: 'login', agent: '1001', exten: '2001', queue: ['support'] });
  const before = await eventCount();
  const actions = h.sim.actionsOf('QueueAdd').length;
  for (const origin of ['http://evil.example', `http://127.0.0.1:${shortPort}`, undefined]) {
    const res = await fetch(`http://127.0.0.1:${port}/agent/command`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json', ...(origin ? { origin } : {}) },
      body,
    });
    assert.equal(res.status, 403, `Origin ${origin}`);
    assert.deepEqual(await res.json(), { error: 'Forbidden' });
  }
  assert.equal(await eventCount(), before);
  assert.equal(h.sim.actionsOf('QueueAdd').length, actions);
  assert.equal(await h.knex('agent_sessions').where({ agent: '1001' }).first(), undefined);
  // the same request from the panel's own origin is done: the refusals above were the origin's
  const own = `http://127.0.0.1:${port}`;
  const status = await fetch(`${own}/agent/command`, { method: 'POST', headers: { cookie, origin: own, 'content-type': 'application/json' }, body: JSON.stringify({ command: 'status', agent: '1001' }) });
  assert.equal(status.status, 200);
  await fetch(`${own}/agent/signout`, { method: 'POST', headers: { cookie, origin: own } });
});

test('an expired session returns to the sign-in with its message', async (t) => {
  if (!browser) return t.skip(SKIP);
  const { context, page, errors } = await openPanel(shortPort);
  try {
    await signIn(page, '1001', '1234');
    await stateShows(page, 'logged_off');
    // the idle timeout is one second: the panel notices by itself, without a click
    await page.locator('#signin-message').filter({ hasText: 'Your session expired' }).waitFor({ timeout: 10_000 });
    assert.equal(await page.getByRole('button', { name: 'Sign in' }).isVisible(), true);
    assert.equal(await page.locator('#panel').isVisible(), false);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('on a 360 px wide screen every control is shown whole, with no sideways scrolling', async (t) => {
  if (!browser) return t.skip(SKIP);
  const { context, page } = await openPanel(port, { width: 360 });
  const fits = async (names: Array<[role: 'button' | 'textbox' | 'combobox', name: string]>) => {
    for (const [role, name] of names) {
      const box = await page.getByRole(role, { name, exact: true }).boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= 360 && box.height >= 24, `${role} ${name}: ${JSON.stringify(box)}`);
    }
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'no sideways scrolling');
  };
  try {
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await fits([['textbox', 'Agent'], ['button', 'Sign in']]);
    await signIn(page, '1001', '1234');
    await stateShows(page, 'logged_off');
    await fits([['textbox', 'Extension'], ['button', 'Log in'], ['button', 'Sign out']]);
    await page.getByLabel('Extension', { exact: true }).fill('2001');
    await page.getByRole('button', { name: 'Log in' }).click();
    await stateShows(page, 'available');
    await fits([['combobox', 'Reason'], ['button', 'Pause'], ['button', 'Log off'], ['button', 'Sign out']]);
    await page.getByRole('button', { name: 'Log off' }).click();
    await stateShows(page, 'logged_off');
  } finally {
    await context.close();
  }
});

test("/agent/events: the signed-in agent's own events only, each with its actor, live and from Last-Event-ID", async () => {
  const cookie = await cookieFor(port, '1001', '1234');
  // an earlier test's events may still be on their way through the feed; this test reads its own
  const before = Number((await h.knex('events').max({ m: 'id' }).first())?.m ?? 0);
  const live = openStream(port, { path: '/agent/events', headers: { cookie } });
  try {
    assert.equal(await live.status, 200);
    await until(() => live.comments > 0, 'the stream is live');
    const run = (q: string) => h.http.inject({ method: 'GET', url: `/api/agent.php?${q}`, remoteAddress: '127.0.0.1' });
    // another agent's events first: had they leaked, they would arrive before hers
    await run('command=login&agent=1002&exten=2002&queue=support');
    await run('command=pause&agent=1002&reason=1');
    await run('command=login&agent=1001&exten=2001&queue=support');
    await live.until((c) => c.messages.some((m) => m.data.kind === 'login' && Number(m.id) > before), 5000, 'her login');
    await run('command=logoff&agent=1002');
    await run('command=logoff&agent=1001');
    await live.until((c) => c.messages.some((m) => m.data.kind === 'logoff' && Number(m.id) > before), 5000, 'her logoff');
    const seen = live.messages.filter((m) => m.id !== undefined);
    assert.ok(seen.every((m) => m.data.agent === '1001'), JSON.stringify(seen.map((m) => m.data.agent)));
    const rows = seen.filter((m) => Number(m.id) > before);
    assert.deepEqual(rows.map((m) => [m.data.kind, m.data.actor]), [['login', 'ip:127.0.0.1'], ['logoff', 'ip:127.0.0.1']]);

    // resumed from the start: the table gives hers only, in order
    const all = await h.knex('events').where({ agent: '1001' }).orderBy('id').pluck('id');
    const resumed = openStream(port, { path: '/agent/events', headers: { cookie }, lastEventId: '0' });
    try {
      await resumed.until((c) => c.ids.length >= all.length, 5000, 'her events from the table');
      assert.deepEqual(resumed.ids, all.map(Number));
    } finally {
      resumed.close();
    }
  } finally {
    live.close();
  }
  // without a sign-in the stream is refused
  const none = openStream(port, { path: '/agent/events' });
  assert.equal(await none.status, 401);
  none.close();
  await fetch(`http://127.0.0.1:${port}/agent/signout`, { method: 'POST', headers: { cookie, origin: `http://127.0.0.1:${port}` } });
});

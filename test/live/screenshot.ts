/**
 * Makes docs/wallboard.png: the demo's data, a few agents logged in and paused through the real
 * commands and the simulated Asterisk, a few queue calls (ringing, talking, one agent paused during
 * a call, callers waiting), the wallboard in Chromium at 1280×800.
 * `node --import tsx test/live/screenshot.ts [OUT.png]` (needs the Postgres of the tests).
 */
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config.js';
import { applyProvision, readProvisionFile } from '../../src/provision/apply.js';
import { startService } from '../../src/service.js';
import { SimAsterisk } from '../support/asterisk.js';
import { launchChromium } from '../support/browser.js';
import { freshDatabase } from '../support/db.js';
import { quietLog } from '../support/harness.js';

const out = process.argv[2] ?? fileURLToPath(new URL('../../docs/wallboard.png', import.meta.url));
const db = await freshDatabase();
const sim = await SimAsterisk.start({ username: 'agentgate', secret: 'shot', queues: ['support', 'sales', 'billing'] });
const svc = await startService(loadConfig({ DATABASE_URL: db.url, HTTP_PORT: '0', AGI_PORT: '0', AMI_PORT: String(sim.port), AMI_SECRET: 'shot' }), quietLog);
try {
  await applyProvision(db.knex, readProvisionFile(fileURLToPath(new URL('../../src/demo/data.yaml', import.meta.url))), { prune: false, path: 'demo' });
  const base = `http://127.0.0.1:${svc.httpPort}`;
  const run = (q: string) => fetch(`${base}/api/agent.php?${q}`).then((r) => r.json());
  for (const [agent, exten, queue] of [['1001', '2001', 'support'], ['1003', '2003', 'support'], ['1003', '2003', 'sales'], ['1101', '2101', 'support'], ['1102', '2102', 'support'], ['1103', '2103', 'support'], ['1104', '2104', 'sales'], ['1105', '2105', 'sales'], ['1106', '2106', 'sales']]) {
    await run(`command=login&agent=${agent}&exten=${exten}&queue=${queue}`);
  }
  await run('command=pause&agent=1001&reason=Almoco');
  await run('command=pause&agent=1104&reason=2');
  sim.externalPause('PJSIP/2102', true, 'Treinamento');
  sim.externalPause('Local/2003@from-queue/n', true, 'Banheiro', 'support');
  // queue calls: Carla talks, Juliana's phone rings, Fernanda paused while still on a call, two callers wait
  sim.callArrives('support', { callerNum: '11987654321' }).ring('PJSIP/2101').answer('PJSIP/2101');
  sim.callArrives('sales', { callerNum: '21998877665' }).ring('PJSIP/2105');
  sim.callArrives('support', { callerNum: '11955554444' }).ring('PJSIP/2103').answer('PJSIP/2103');
  await run('command=pause&agent=1103&reason=Treinamento');
  sim.callArrives('support', { callerNum: '11933332222' });
  sim.callArrives('support', { callerNum: '11922221111' });
  // (the pauses made in Asterisk are in the record once their events are applied)
  while (!(await db.knex('session_queues').where({ agent: '1102', paused: true }).first())) await new Promise((r) => setTimeout(r, 20));
  // the pauses began a while ago, so the timers (and one pause over the limit) look like a shift
  await db.knex('agent_sessions').update({ since: db.knex.raw("now() - (random() * interval '25 minutes')") });
  await db.knex('agent_sessions').where({ agent: '1001' }).update({ since: db.knex.raw("now() - interval '32 minutes 10 seconds'") });
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'pt-BR' });
  await page.goto(`${base}/wallboard`);
  await page.locator('#conn[data-state="live"]').waitFor();
  await page.locator('.tile[data-agent="1102"][data-state="paused"]').waitFor();
  await page.reload(); // reads the moved-back timers
  await page.locator('.tile.overdue').first().waitFor();
  await page.locator('.tile[data-agent="1103"][data-state="paused"][data-call="on_call"]').waitFor();
  await page.locator('.chip[data-queue="support"] .waiting[data-waiting="2"]').waitFor();
  await page.screenshot({ path: out });
  await browser.close();
  process.stdout.write(`${out}\n`);
} finally {
  await svc.close();
  await sim.close();
  await db.drop();
}

import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';
import { createKey } from './access/keys.js';
import { loadConfig } from './config.js';
import { runServe } from './main.js';
import { applyProvision, readProvisionFile } from './provision/apply.js';
import { SimAsterisk } from './sim/ami-server.js';
import { startDemoTraffic } from './demo/traffic.js';
import { startDemoCalls } from './demo/calls.js';

/**
 * The demo's keys, made anew at each start (the demo's own embedded database): a TV's display key
 * and a supervisor's, printed in the wallboard addresses so both can be tried at once.
 */
async function demoKeys(knex: Knex): Promise<{ display: string; supervisor: string }> {
  await knex('api_keys').whereIn('name', ['demo-tv', 'demo-supervisor']).delete();
  return {
    display: await createKey(knex, { name: 'demo-tv', role: 'display' }),
    supervisor: await createKey(knex, { name: 'demo-supervisor', role: 'supervisor' }),
  };
}

const DEMO_YAML = fileURLToPath(new URL('../src/demo/data.yaml', import.meta.url));

/**
 * `agentgate demo`: the embedded database, a simulated Asterisk on a real AMI port and demo data,
 * so a newcomer can try every command with curl before there is any Asterisk. It never touches a
 * configured database: DATABASE_URL is ignored (demo data in a real Postgres would reset real
 * extensions and add agents and queues).
 */
export async function runDemo(): Promise<void> {
  const secret = 'demo';
  const ignored = Boolean(process.env.DATABASE_URL);
  const base = loadConfig({ ...process.env, DATABASE_URL: '' });
  let sim: SimAsterisk;
  try {
    sim = await SimAsterisk.start({ host: '127.0.0.1', port: base.AMI_PORT, username: 'agentgate', secret, queues: ['support', 'sales', 'billing'] });
  } catch {
    sim = await SimAsterisk.start({ host: '127.0.0.1', port: 0, username: 'agentgate', secret, queues: ['support', 'sales', 'billing'] });
  }
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: '', // always the embedded database
    AMI_HOST: '127.0.0.1',
    AMI_PORT: String(sim.port),
    AMI_USERNAME: 'agentgate',
    AMI_SECRET: secret,
  });
  process.stdout.write(
    `agentgate demo: starting on the embedded database in ${config.DATA_DIR}${ignored ? ' (DATABASE_URL is set and ignored: the demo never writes to a configured database)' : ''}\n`,
  );
  await runServe(config, async (svc) => {
    await applyProvision(svc.db.knex, readProvisionFile(DEMO_YAML), { prune: false, path: 'demo data' });
    const keys = await demoKeys(svc.db.knex);
    const stopTraffic = await startDemoTraffic(svc.deps, sim);
    const stopCalls = startDemoCalls(sim);
    svc.onClose(async () => {
      stopTraffic();
      stopCalls();
      await sim.close();
    });
    const origin = `http://${config.HTTP_HOST === '0.0.0.0' ? '127.0.0.1' : config.HTTP_HOST}:${svc.httpPort}`;
    const url = `${origin}/api/agent.php`;
    const lines = [
      '',
      `agentgate demo: simulated Asterisk (AMI) on 127.0.0.1:${sim.port}, always the embedded database (${svc.db.where})`,
      ...(ignored ? ['DATABASE_URL is set and ignored: the demo never writes to a configured database.'] : []),
      `FastAGI on ${config.AGI_HOST}:${svc.agiPort}; agents 1001 (PIN 1234), 1002, 1003; queues support (100), sales (300); extensions 2001-2003`,
      `Wallboard: ${origin}/wallboard   (agents 1101-1106 take calls, pause and come back every few seconds)`,
      `  as a TV (display key: sees everything, changes nothing): ${origin}/wallboard?token=${keys.display}`,
      `  as a supervisor (Pause, Unpause, Log off on each tile):  ${origin}/wallboard?token=${keys.supervisor}`,
      '  (the key in the address is exchanged for a cookie and leaves the address bar)',
      `Agent panel: ${origin}/agent   (sign in as 1001 with PIN 1234)`,
      'Try:',
      `  curl '${url}?command=login&agent=1001&exten=2001&queue=support'`,
      `  curl '${url}?command=pause&agent=1001&reason=Almoco'`,
      `  curl '${url}?command=status&agent=1001'`,
      `  curl '${url}?command=unpause&agent=1001'`,
      `  curl -d command=logoff -d agent=1001 '${url}'`,
      `  curl -H 'content-type: application/json' -d '{"command":"login","agent":"1002","exten":"2002","queue":"sales"}' '${url}'`,
      `  curl '${url}?command=login&agent=1001&exten=2009&queue=support'   # an error answer`,
      'Ctrl-C stops it.',
      '',
    ];
    process.stdout.write(lines.join('\n'));
  }, { demo: true });
}

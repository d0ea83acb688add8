import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';
import { createKey } from './access/keys.js';
import { loadConfig } from './config.js';
import { runServe } from './main.js';
import { openDatabase } from './db/connect.js';
import { migrate } from './db/migrate.js';
import { applyProvision, readProvisionFile } from './provision/apply.js';
import type { ProvisionFile } from './provision/schema.js';
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

const PBX_NAMES = ['pbx-a', 'pbx-b', 'pbx-c', 'pbx-d'];

/**
 * Several PBXs (`--pbxes`): each queue on one, in turn, and each phone on the PBX of its agent's
 * first default queue (the others in turn). Returns what each PBX holds, for the banner.
 */
function spread(file: ProvisionFile, names: string[]): Map<string, string> {
  const where = new Map<string, string>();
  if (!names.length) return where;
  file.queues.forEach((q, i) => (q.pbx = names[i % names.length]));
  const queuePbx = new Map(file.queues.map((q) => [q.name, q.pbx!]));
  // the team's phones (2101…) by their agents' queues; the others in turn
  const home = new Map<string, string>();
  for (const a of file.agents) if (/^11\d\d$/.test(a.agent) && a.queues[0]) home.set(`2${a.agent.slice(1)}`, queuePbx.get(a.queues[0])!);
  home.set('2001', queuePbx.get('support')!);
  home.set('2003', queuePbx.get('support')!);
  file.extensions.forEach((e, i) => (e.pbx = home.get(e.exten) ?? names[i % names.length]));
  for (const n of names) {
    const qs = file.queues.filter((q) => q.pbx === n).map((q) => q.name);
    const xs = file.extensions.filter((e) => e.pbx === n).map((e) => e.exten);
    where.set(n, `queues ${qs.join(', ') || 'none'}; phones ${xs.join(', ') || 'none'}`);
  }
  return where;
}

/**
 * `agentgate demo`: the embedded database, a simulated Asterisk on a real AMI port and demo data,
 * so a newcomer can try every command with curl before there is any Asterisk. It never touches a
 * configured database: DATABASE_URL is ignored (demo data in a real Postgres would reset real
 * extensions and add agents and queues).
 */
export async function runDemo(opts: { pbxes?: number } = {}): Promise<void> {
  const secret = 'demo';
  const ignored = Boolean(process.env.DATABASE_URL);
  const base = loadConfig({ ...process.env, DATABASE_URL: '' });
  const count = opts.pbxes ?? 1;
  const file = readProvisionFile(DEMO_YAML);
  const names = count > 1 ? PBX_NAMES.slice(0, count) : [];
  // one PBX: the queues and phones as always; several: spread over them, queue by queue
  const where = spread(file, names);
  const sims: SimAsterisk[] = [];
  for (let i = 0; i < Math.max(1, count); i++) {
    const queues = file.queues.filter((q) => !names.length || q.pbx === names[i]).map((q) => q.name);
    const port = i === 0 ? base.AMI_PORT : 0;
    sims.push(
      await SimAsterisk.start({ host: '127.0.0.1', port, username: 'agentgate', secret, queues }).catch(() =>
        SimAsterisk.start({ host: '127.0.0.1', port: 0, username: 'agentgate', secret, queues }),
      ),
    );
  }
  const sim = sims[0]!;
  const envOf = (n: string) => `DEMO_${n.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_SECRET`;
  const secrets = Object.fromEntries(names.map((n) => [envOf(n), secret]));
  // an agent in queues on two PBXs is a member of the other through its phone's PBX's trunk (CONTRACT §9)
  file.pbxes = names.map((name, i) => ({ name, ami: { host: '127.0.0.1', port: sims[i]!.port, username: 'agentgate', secret_env: envOf(name) }, agi_from: [], remote_interface: `PJSIP/{exten}@from-${name}` }));
  const config = loadConfig({
    ...process.env,
    ...secrets,
    DATABASE_URL: '', // always the embedded database
    AMI_HOST: '127.0.0.1',
    AMI_PORT: String(sim.port),
    AMI_USERNAME: 'agentgate',
    AMI_SECRET: secret,
  });
  if (names.length) {
    // the PBXs are provisioned before the service starts: it connects to each as it starts
    const db = await openDatabase({ dataDir: config.DATA_DIR });
    try {
      await migrate(db.knex);
      await applyProvision(db.knex, file, { prune: false, path: 'demo data' });
    } finally {
      await db.close();
    }
  }
  process.stdout.write(
    `agentgate demo: starting on the embedded database in ${config.DATA_DIR}${ignored ? ' (DATABASE_URL is set and ignored: the demo never writes to a configured database)' : ''}\n`,
  );
  await runServe(config, async (svc) => {
    await applyProvision(svc.db.knex, file, { prune: false, path: 'demo data' });
    const keys = await demoKeys(svc.db.knex);
    const stopTraffic = await startDemoTraffic(svc.deps, sims);
    const stopCalls = sims.map((s) => startDemoCalls(s));
    svc.onClose(async () => {
      stopTraffic();
      for (const stop of stopCalls) stop();
      await Promise.all(sims.map((s) => s.close()));
    });
    const origin = `http://${config.HTTP_HOST === '0.0.0.0' ? '127.0.0.1' : config.HTTP_HOST}:${svc.httpPort}`;
    const url = `${origin}/api/agent.php`;
    const lines = [
      '',
      names.length
        ? `agentgate demo: ${names.length} simulated Asterisk servers (AMI) — ${names.map((n, i) => `${n} on 127.0.0.1:${sims[i]!.port} (${where.get(n)})`).join('; ')}; always the embedded database (${svc.db.where})`
        : `agentgate demo: simulated Asterisk (AMI) on 127.0.0.1:${sim.port}, always the embedded database (${svc.db.where})`,
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

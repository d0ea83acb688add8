import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { SimAsterisk } from '../support/asterisk.js';
import { agentgate } from '../support/cli.js';
import { type TestDb, freshDatabase } from '../support/db.js';
import { type Scratch, scratchFolder } from '../support/scratch.js';
import { type Served, ready, serve, stopServed } from '../support/service.js';

// The README's "Next to a real Asterisk in 10 minutes", followed as written: its manager.conf
// account is the simulated Asterisk's, its exports are the environment (the database and the AMI
// port are the only values this machine changes), and its agentgate commands run in that order.
const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const section = README.split(/^## /m).find((s) => s.startsWith('Next to a real Asterisk in 10 minutes'));
const blocks = (lang: string) => [...(section ?? '').matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!.split('\n').map((l) => l.trim()));

let sim: SimAsterisk;
let db: TestDb;
let scratch: Scratch;
let svc: Served | undefined;

before(async () => {
  db = await freshDatabase();
  scratch = scratchFolder('ten-minutes');
});
after(async () => {
  if (svc && svc.child.exitCode === null) await stopServed(svc, 'SIGTERM');
  await sim?.close();
  await db.drop();
  scratch.remove();
});

test("the README's 10-minute path, literally: the AMI account, the settings, the import, doctor, then a login", async () => {
  assert.ok(section, 'the README has the section');
  // 1. manager.conf: the account as written
  const ini = blocks('ini')[0]!;
  const value = (key: string) => ini.find((l) => l.startsWith(`${key} =`))?.split('=')[1]!.split(';')[0]!.trim();
  const username = ini.find((l) => /^\[.+\]$/.test(l))!.slice(1, -1);
  sim = await SimAsterisk.start({ username, secret: value('secret')!, write: value('write')!, queues: ['support'], endpoints: [{ name: '2001' }, { name: '2002' }] });
  sim.externalAdd('support', 'PJSIP/2001', '1001', 'PJSIP/2001');

  // 4. the exports, as a shell would read them
  const env: Record<string, string> = {};
  const sh = blocks('sh').flat();
  for (const line of sh.filter((l) => l.startsWith('export '))) {
    for (const [, k, v] of line.replace(/#.*$/, '').matchAll(/([A-Z_]+)=(\S+)/g)) env[k!] = v!;
  }
  assert.deepEqual(Object.keys(env).sort(), ['AMI_HOST', 'AMI_SECRET', 'AMI_USERNAME', 'DATABASE_URL']);
  assert.equal(env.AMI_USERNAME, username, 'the README tells agentgate the account it made');
  assert.equal(env.AMI_SECRET, value('secret'), 'and its secret');
  Object.assign(env, { DATABASE_URL: db.url as string, AMI_PORT: String(sim.port) });

  // 5. the import and the provisioning, in the README's order, where the operator stands
  const commands = sh.filter((l) => l.startsWith('agentgate '));
  assert.deepEqual(commands.map((c) => c.split(/\s+/).slice(0, 2).join(' ')), ['agentgate provision', 'agentgate provision']);
  for (const c of commands) {
    const res = await agentgate(c.split(/\s+/).slice(1), env, { cwd: scratch.dir });
    assert.equal(res.code, 0, `${c}: ${res.stderr}`);
  }
  assert.deepEqual(await db.knex('agents').pluck('login'), ['1001']);

  // 6. doctor: the database and the account check out (the dialplan and the sounds are the PBX host's)
  const doctor = await agentgate(['doctor'], env);
  for (const what of ['database', 'AMI login', 'AMI write classes']) assert.match(doctor.stdout, new RegExp(`^ok   ${what}: `, 'm'), doctor.stdout);

  // then serve: the imported agent logs in and Asterisk gets her member
  svc = await serve({ ...env, HTTP_PORT: '0', AGI_PORT: '0' });
  await ready(svc.base);
  sim.externalRemove('support', 'PJSIP/2001');
  const res = await fetch(`${svc.base}/api/agent.php?command=login&agent=1001&exten=2001&queue=support`);
  assert.deepEqual(await res.json(), { success: 'Login OK' });
  assert.deepEqual(sim.members().map((m) => [m.queue, m.interface]), [['support', 'PJSIP/2001']]);
});

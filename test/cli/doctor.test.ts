import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { installPrompts } from '../../src/agi/prompts-install.js';
import { applyProvision, readProvisionFile } from '../../src/provision/apply.js';
import { shippedDialplan } from '../../src/sim/dialplan.js';
import { Raw } from '../support/ami-raw.js';
import { SimAsterisk } from '../support/asterisk.js';
import { agentgate } from '../support/cli.js';
import { type TestDb, emptyDatabase, freshDatabase } from '../support/db.js';
import { type Scratch, scratchFolder } from '../support/scratch.js';
import { twoPbxesYaml } from '../support/two-pbxes.js';

/** The lines of doctor's report that are not ok, each with its fix. */
const problems = (stdout: string) => stdout.split('\n').filter((l, i, all) => /^(FAIL|warn|skip) /.test(l) || (/^ {5}fix: /.test(l) && /^(FAIL|warn|skip) /.test(all[i - 1] ?? '')));

describe('agentgate doctor', { concurrency: false }, () => {
  let sim: SimAsterisk;
  let db: TestDb;
  let scratch: Scratch;
  let agi: net.Server;
  let env: Record<string, string>;
  let sounds: string;
  before(async () => {
    sim = await SimAsterisk.start({ secret: 'right' });
    db = await freshDatabase();
    scratch = scratchFolder('doctor');
    sounds = scratch.dir;
    await installPrompts(sounds);
    // stands in for a running service: the check only needs something listening at AGI_PORT
    agi = net.createServer((s) => s.destroy());
    await new Promise<void>((resolve) => agi.listen(0, '127.0.0.1', resolve));
    const agiPort = (agi.address() as net.AddressInfo).port;
    // the dialplan's FastAGI address, as [globals] in extensions.conf would set it
    const c = await Raw.connect(sim.port);
    await c.waitMessages(1);
    await c.login('agentgate', 'right', 'off');
    await c.action({ Action: 'Setvar', Variable: 'AGENTGATE_AGI', Value: `agi://127.0.0.1:${agiPort}` });
    c.destroy();
    env = { DATABASE_URL: db.url ?? '', AMI_PORT: String(sim.port), AMI_USERNAME: 'agentgate', AMI_SECRET: 'right', AGI_PORT: String(agiPort) };
  });
  after(async () => {
    await new Promise((resolve) => agi.close(resolve));
    await sim.close();
    await db.drop();
    scratch.remove();
  });

  const doctor = (extra: Record<string, string> = {}, args: string[] = ['--sounds', sounds]) => agentgate(['doctor', ...args], { ...env, ...extra });

  test('all good: every line ok, exit 0', async (t) => {
    const res = await doctor();
    t.diagnostic(res.stdout);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.deepEqual(problems(res.stdout), []);
    for (const what of ['database', 'AMI login', 'AMI write classes', 'dialplan', 'FastAGI', 'prompts (pt_BR)', 'prompts (en)']) {
      assert.match(res.stdout, new RegExp(`^ok   ${what.replace(/[()]/g, '\\$&')}: `, 'm'), what);
    }
    assert.match(res.stdout, /^no problems found\n$/m);
  });

  test('a wrong secret: the AMI login line names AMI_USERNAME and AMI_SECRET, exit 1', async (t) => {
    const res = await doctor({ AMI_SECRET: 'wrong' });
    t.diagnostic(res.stdout);
    assert.equal(res.code, 1);
    assert.deepEqual(problems(res.stdout).slice(0, 2), [
      'FAIL AMI login: AMI login refused: Authentication failed',
      `     fix: AMI_USERNAME ("agentgate") and AMI_SECRET must match a [agentgate] section of manager.conf and its secret (then: asterisk -rx 'manager reload')`,
    ]);
    assert.match(res.stdout, /^skip dialplan: needs the AMI login$/m);
  });

  test('a missing write class: the class, what needs it and the manager.conf line, exit 1', async () => {
    sim.write = 'agent,reporting,command';
    try {
      const res = await doctor();
      assert.equal(res.code, 1);
      assert.deepEqual(problems(res.stdout), [
        'FAIL AMI write classes: missing call (the phone lamps (Setvar and Getvar of DEVICE_STATE))',
        "     fix: in manager.conf [agentgate]: write = agent,call,reporting, then asterisk -rx 'manager reload'",
      ]);
    } finally {
      sim.write = 'all';
    }
  });

  test('a dialplan without the codes: which are missing and which file to load, exit 1', async () => {
    sim.dialplan = shippedDialplan()
      .split('\n')
      .filter((l) => !/^exten => \*5[34],/.test(l))
      .join('\n');
    try {
      const res = await doctor();
      assert.equal(res.code, 1);
      const [line, fix] = problems(res.stdout);
      assert.equal(line, 'FAIL dialplan: agentgate-features lacks *53, *54');
      assert.match(fix ?? '', /^ {5}fix: an older copy of the dialplan is loaded: copy dialplan\/agentgate\.conf to \/etc\/asterisk\//);
      sim.dialplan = '[from-phones]\nexten => 100,1,Answer()\n';
      const none = await doctor();
      assert.equal(none.code, 1);
      assert.equal(problems(none.stdout)[0], 'FAIL dialplan: the context agentgate-features is not loaded');
    } finally {
      sim.dialplan = shippedDialplan();
    }
  });

  test('prompts missing: each language, how many, and the install command, exit 1', async () => {
    const empty = join(scratch.dir, 'empty');
    const res = await doctor({}, ['--sounds', join(scratch.dir, 'nowhere')]);
    assert.equal(res.code, 1);
    assert.match(res.stdout, /^FAIL prompts: no sounds folder at .*\/nowhere\n {5}fix: agentgate prompts install .*\/nowhere \(on the Asterisk host\)/m);
    await installPrompts(empty);
    rmSync(join(empty, 'en'), { recursive: true });
    const half = await doctor({}, ['--sounds', empty]);
    assert.equal(half.code, 1);
    const lines = problems(half.stdout);
    assert.match(lines[0] ?? '', /^FAIL prompts \(en\): (\d+) of \1 missing in .*\/empty\/en\/agentgate \(/);
    assert.equal(lines[1], `     fix: agentgate prompts install ${empty} (on the Asterisk host)`);
    assert.equal(lines.length, 2, 'pt_BR is complete');
  });

  test('a database not migrated: how many migrations and the command, exit 1', async () => {
    const bare = await emptyDatabase();
    try {
      const res = await doctor({ DATABASE_URL: bare.url });
      assert.equal(res.code, 1);
      const [line, fix] = problems(res.stdout);
      assert.match(line ?? '', /^FAIL database: postgres:\/\/.*: (\d+) of \1 migrations not applied \(001_schema, /);
      assert.equal(fix, '     fix: run agentgate migrate (serve also migrates when it starts)');
    } finally {
      await bare.drop();
    }
  });

  test('an AGI_ALLOW that leaves Asterisk out: the address to add, exit 1', async () => {
    const res = await doctor({ AGI_ALLOW: '10.0.0.0/8' });
    assert.equal(res.code, 1);
    assert.match(res.stdout, /^FAIL FastAGI: AGI_ALLOW does not let in 127\.0\.0\.1, where Asterisk is \(AMI_HOST\)\n {5}fix: add 127\.0\.0\.1\/32 to AGI_ALLOW$/m);
  });
});

describe('agentgate doctor with several PBXs', { concurrency: false }, () => {
  let a: SimAsterisk;
  let b: SimAsterisk;
  let db: TestDb;
  let scratch: Scratch;
  let agi: net.Server;
  let env: Record<string, string>;
  before(async () => {
    a = await SimAsterisk.start({ secret: 'secret-of-a', queues: ['support', 'billing'], endpoints: [{ name: '2001' }] });
    b = await SimAsterisk.start({ secret: 'secret-of-b', queues: ['sales'], endpoints: [{ name: '2002' }] });
    db = await freshDatabase();
    scratch = scratchFolder('doctor-pbxes');
    await installPrompts(scratch.dir);
    agi = net.createServer((s) => s.destroy());
    await new Promise<void>((resolve) => agi.listen(0, '127.0.0.1', resolve));
    const agiPort = (agi.address() as net.AddressInfo).port;
    for (const [sim, secret] of [[a, 'secret-of-a'], [b, 'secret-of-b']] as const) {
      const c = await Raw.connect(sim.port);
      await c.waitMessages(1);
      await c.login('agentgate', secret, 'off');
      await c.action({ Action: 'Setvar', Variable: 'AGENTGATE_AGI', Value: `agi://127.0.0.1:${agiPort}` });
      c.destroy();
    }
    const text = twoPbxesYaml(a.port, b.port)
      .replace('secret_env: PBX_A_SECRET } }', 'secret_env: PBX_A_SECRET }, agi_from: [127.0.0.1/32] }')
      .replace('secret_env: PBX_B_SECRET } }', 'secret_env: PBX_B_SECRET }, agi_from: [127.0.0.2/32] }');
    const path = scratch.file('two.yaml', text);
    await applyProvision(db.knex, readProvisionFile(path), { prune: false, path });
    // AMI_* leads nowhere: with PBXs provisioned, doctor checks those
    env = { DATABASE_URL: db.url ?? '', AMI_PORT: '1', PBX_A_SECRET: 'secret-of-a', PBX_B_SECRET: 'secret-of-b', AGI_PORT: String(agiPort), AGI_ALLOW: '127.0.0.1/32,127.0.0.2/32' };
  });
  after(async () => {
    await new Promise((resolve) => agi.close(resolve));
    await a.close();
    await b.close();
    await db.drop();
    scratch.remove();
  });

  const doctor = (extra: Record<string, string> = {}) => agentgate(['doctor', '--sounds', scratch.dir], { ...env, ...extra });
  /** The lines under `PBX <name>:`, unindented. */
  const section = (stdout: string, name: string) => {
    const lines = stdout.split('\n');
    const from = lines.indexOf(`PBX ${name}:`) + 1;
    assert.ok(from > 0, `no section for PBX ${name} in:\n${stdout}`);
    const to = lines.findIndex((l, i) => i >= from && !l.startsWith('  '));
    return lines.slice(from, to).map((l) => l.slice(2));
  };
  const noSecret = (res: { stdout: string; stderr: string }) => {
    for (const secret of ['secret-of-a', 'secret-of-b']) assert.ok(!`${res.stdout}${res.stderr}`.includes(secret), 'no secret is ever printed');
  };

  test('each PBX is checked over its own AMI and reported under its name: all good, exit 0', async (t) => {
    const res = await doctor();
    t.diagnostic(res.stdout);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.deepEqual(problems(res.stdout), []);
    for (const [name, sim, queue] of [['a', a, 'support'], ['b', b, 'sales']] as const) {
      const lines = section(res.stdout, name);
      assert.ok(lines.includes(`ok   AMI login: agentgate at 127.0.0.1:${sim.port}`), lines.join('\n'));
      for (const what of ['AMI write classes', 'dialplan', 'extensions', 'FastAGI', 'agi_from']) assert.ok(lines.some((l) => l.startsWith(`ok   ${what}: `)), `${name}: ${what}`);
      // only what is provisioned on this PBX: a's billing is no queue of agentgate's
      assert.ok(lines.includes(`ok   queues: 1 provisioned on this PBX, all there (${queue})`), lines.join('\n'));
    }
    assert.ok(section(res.stdout, 'b').includes('ok   agi_from: 127.0.0.2/32, let in by AGI_ALLOW'));
    assert.match(res.stdout, /^ok   database: /);
    assert.match(res.stdout, /^ok   prompts \(en\): /m);
    assert.match(res.stdout, /^no problems found\n$/m);
    noSecret(res);
  });

  test("a PBX whose secret variable is not set fails alone, naming the variable and never a secret, exit 1", async () => {
    const res = await doctor({ PBX_B_SECRET: '' });
    assert.equal(res.code, 1);
    const lines = section(res.stdout, 'b');
    assert.deepEqual(lines.slice(0, 2), [
      'FAIL AMI login: PBX_B_SECRET, the environment variable that holds the AMI secret of PBX b (its secret_env), is not set',
      "     fix: set PBX_B_SECRET where agentgate's settings are (beside AMI_SECRET; /etc/agentgate/env for the service) to the secret of [agentgate] in that PBX's manager.conf",
    ]);
    assert.ok(lines.includes('skip queues and extensions: needs the AMI login'));
    assert.deepEqual(problems(section(res.stdout, 'a').join('\n')), [], 'PBX a is checked as usual');
    assert.match(res.stdout, /^1 problem found \(on PBX b\), 3 not checked or unsure$/m);
    noSecret(res);
    const wrong = await doctor({ PBX_A_SECRET: 'wrong' });
    assert.equal(wrong.code, 1);
    assert.deepEqual(section(wrong.stdout, 'a').slice(0, 2), [
      'FAIL AMI login: AMI login refused: Authentication failed',
      `     fix: the ami.username of PBX a ("agentgate") and PBX_A_SECRET must match a [agentgate] section of manager.conf and its secret (then: asterisk -rx 'manager reload')`,
    ]);
    noSecret(wrong);
  });

  test("queues and extensions are compared with what is provisioned for that PBX only", async () => {
    // billing is on a's Asterisk but provisioned on b; 2003 has no endpoint on b
    await db.knex('queues').insert({ name: 'billing', callcenter: true, pbx: 'b' });
    await db.knex('extensions').insert({ exten: '2003', callcenter: true, pbx: 'b' });
    try {
      const res = await doctor();
      assert.equal(res.code, 1);
      assert.deepEqual(problems(section(res.stdout, 'b').join('\n')), [
        'FAIL queues: 1 of 2 provisioned on this PBX is not in its Asterisk: billing',
        "     fix: create them in queues.conf of this PBX (then asterisk -rx 'queue reload all'), or give them the pbx: of the PBX that has them in the provisioning file",
        'warn extensions: 1 of 2 provisioned on this PBX has no PJSIP endpoint in its Asterisk: 2003',
        "     fix: add the endpoints to pjsip.conf of this PBX (then asterisk -rx 'pjsip reload'), or give the extensions the pbx: of the PBX their phones are on",
      ]);
      assert.deepEqual(problems(section(res.stdout, 'a').join('\n')), []);
      assert.match(res.stdout, /^1 problem found \(on PBX b\), 1 not checked or unsure$/m);
    } finally {
      await db.knex('extensions').where({ exten: '2003' }).delete();
      await db.knex('queues').where({ name: 'billing' }).delete();
    }
  });

  test('an agi_from that AGI_ALLOW leaves out, wholly or in part, fails', async () => {
    const res = await doctor({ AGI_ALLOW: '127.0.0.1/32' });
    assert.equal(res.code, 1);
    assert.deepEqual(problems(section(res.stdout, 'b').join('\n')), ['FAIL agi_from: AGI_ALLOW does not let in 127.0.0.2/32 (the agi_from of PBX b)', '     fix: add 127.0.0.2/32 to AGI_ALLOW']);
    assert.deepEqual(problems(section(res.stdout, 'a').join('\n')), []);
    const allowed = await doctor({ AGI_ALLOW: '127.0.0.0/24' });
    assert.match(section(allowed.stdout, 'b').join('\n'), /^ok   agi_from: 127\.0\.0\.2\/32, let in by AGI_ALLOW$/m);
    // a range whose upper half AGI_ALLOW leaves out
    await db.knex('pbxes').where({ name: 'b' }).update({ agi_from: db.knex.raw(`'{127.0.0.0/24}'::text[]`) });
    try {
      const half = await doctor({ AGI_ALLOW: '127.0.0.0/25' });
      assert.deepEqual(problems(section(half.stdout, 'b').join('\n')).slice(0, 1), ['FAIL agi_from: AGI_ALLOW does not let in 127.0.0.0/24 (the agi_from of PBX b)']);
    } finally {
      await db.knex('pbxes').where({ name: 'b' }).update({ agi_from: db.knex.raw(`'{127.0.0.2/32}'::text[]`) });
    }
  });

  test('a PBX down fails its own checks and the other is still checked, exit 1', async () => {
    await b.close();
    const res = await doctor();
    assert.equal(res.code, 1);
    const [line, fix] = section(res.stdout, 'b');
    assert.match(line ?? '', new RegExp(`^FAIL AMI login: cannot reach 127\\.0\\.0\\.1:${b.port}: `));
    assert.equal(fix, `     fix: check the ami.host and ami.port of PBX b (now 127.0.0.1:${b.port}) and manager.conf [general]: enabled = yes, port, bindaddr`);
    assert.deepEqual(problems(section(res.stdout, 'a').join('\n')), []);
    assert.ok(section(res.stdout, 'a').includes(`ok   AMI login: agentgate at 127.0.0.1:${a.port}`));
    assert.match(res.stdout, /^1 problem found \(on PBX b\), 3 not checked or unsure$/m);
  });
});

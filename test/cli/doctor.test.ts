import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { installPrompts } from '../../src/agi/prompts-install.js';
import { shippedDialplan } from '../../src/sim/dialplan.js';
import { Raw } from '../support/ami-raw.js';
import { SimAsterisk } from '../support/asterisk.js';
import { agentgate } from '../support/cli.js';
import { type TestDb, emptyDatabase, freshDatabase } from '../support/db.js';
import { type Scratch, scratchFolder } from '../support/scratch.js';

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

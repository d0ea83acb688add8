import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SimAsterisk } from '../support/asterisk.js';
import { agentgate } from '../support/cli.js';
import { type TestDb, freshDatabase } from '../support/db.js';
import { type Scratch, scratchFolder } from '../support/scratch.js';
import { twoPbxesYaml } from '../support/two-pbxes.js';

describe('agentgate provision --from-asterisk', () => {
  let sim: SimAsterisk;
  let db: TestDb;
  let scratch: Scratch;
  let env: Record<string, string>;
  before(async () => {
    // the endpoints of 22-pjsip-endpoints.txt, and members as a call center has them now
    const endpoints = [{ name: '2001', contacts: ['2001/sip:2001@127.0.0.1:5071;ob'] }, { name: '2002' }, { name: 'watch', aors: '', auths: '' }];
    sim = await SimAsterisk.start({ secret: 'right', queues: ['support', 'sales'], endpoints });
    sim.externalAdd('support', 'PJSIP/2001', '1001', 'PJSIP/2001');
    sim.externalAdd('sales', 'PJSIP/2001', '1001', 'PJSIP/2001');
    sim.externalAdd('support', 'Local/2003@from-queue/n', 'Ana Lima', 'PJSIP/2003');
    db = await freshDatabase();
    scratch = scratchFolder('import');
    env = { AMI_PORT: String(sim.port), AMI_USERNAME: 'agentgate', AMI_SECRET: 'right' };
  });
  after(async () => {
    await sim.close();
    await db.drop();
    scratch.remove();
  });

  test('prints queues, extensions with their interfaces and agents for the members, each guess flagged', async () => {
    const res = await agentgate(['provision', '--from-asterisk'], env);
    assert.equal(res.code, 0, res.stderr);
    const lines = res.stdout.split('\n');
    for (const want of ['  - name: "support"', '  - name: "sales"', '  - exten: "2001"', '  - exten: "2002"']) assert.ok(lines.includes(want), want);
    assert.ok(lines.some((l) => /^  - exten: "2003"  # guess: /.test(l)));
    assert.ok(lines.some((l) => /^    interface: "Local\/2003@from-queue\/n"/.test(l)));
    assert.ok(lines.includes('    state_interface: "PJSIP/2003"'));
    assert.ok(lines.some((l) => /^  - agent: "1001"  # guess: the member name on PJSIP\/2001$/.test(l)));
    assert.ok(lines.some((l) => /^    queues: \["support", "sales"\]  # guess: /.test(l)));
    // "Ana Lima" is no login: the extension's number stands in, said so
    assert.ok(lines.some((l) => /^  - agent: "2003"  # guess: the member "Ana Lima" on Local\/2003@from-queue\/n has no login-like name/.test(l)));
    assert.ok(lines.includes('# PJSIP endpoint "watch" left out: an extension is digits only'));
    const callcenter = lines.filter((l) => /^\s+callcenter: true/.test(l));
    assert.equal(callcenter.length, 5, 'two queues and three extensions');
    assert.ok(callcenter.every((l) => l.includes('# guess:')), 'every call-center flag is a guess');
  });

  test('--write writes a file that provisions cleanly, and never overwrites one', async () => {
    const file = join(scratch.dir, 'from-asterisk.yaml');
    const res = await agentgate(['provision', '--from-asterisk', '--write', file], env);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^wrote .*from-asterisk\.yaml: review every "# guess:" line, then: agentgate provision /);
    const applied = await agentgate(['provision', file], { DATABASE_URL: db.url ?? '' });
    assert.equal(applied.code, 0, applied.stderr);
    const agents = await db.knex('agents').orderBy('login').pluck('login');
    assert.deepEqual(agents, ['1001', '2003']);
    assert.deepEqual(await db.knex('extensions').orderBy('exten').pluck('exten'), ['2001', '2002', '2003']);

    writeFileSync(file, 'mine\n');
    const again = await agentgate(['provision', '--from-asterisk', '--write', file], env);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /from-asterisk\.yaml exists and is not overwritten/);
    assert.equal(readFileSync(file, 'utf8'), 'mine\n');
  });

  test('a wrong secret names AMI_USERNAME and AMI_SECRET', async () => {
    const res = await agentgate(['provision', '--from-asterisk'], { ...env, AMI_SECRET: 'wrong' });
    assert.equal(res.code, 2);
    assert.match(res.stderr, /AMI login refused: Authentication failed: AMI_USERNAME \("agentgate"\) and AMI_SECRET must match/);
    assert.equal(res.stdout, '');
  });
});

describe('agentgate provision --from-asterisk --pbxes: several PBXs', () => {
  let a: SimAsterisk;
  let b: SimAsterisk;
  let db: TestDb;
  let scratch: Scratch;
  let pbxes: string;
  let env: Record<string, string>;
  before(async () => {
    a = await SimAsterisk.start({ secret: 'secret-of-a', queues: ['support'], endpoints: [{ name: '2001' }] });
    b = await SimAsterisk.start({ secret: 'secret-of-b', queues: ['sales'], endpoints: [{ name: '2002' }] });
    a.externalAdd('support', 'PJSIP/2001', '1001', 'PJSIP/2001');
    b.externalAdd('sales', 'PJSIP/2002', '1002', 'PJSIP/2002');
    b.externalAdd('sales', 'Local/2003@from-queue/n', '1001', 'PJSIP/2003');
    // b's 2002 in a's queue, through b's remote_interface: a member across PBXs, not an extension of a
    a.externalAdd('support', 'PJSIP/2002@to-b', '1002', 'PJSIP/2002');
    db = await freshDatabase();
    scratch = scratchFolder('import-pbxes');
    // only the pbxes: of this file are read; b's FastAGI addresses and remote interface are kept
    const text = twoPbxesYaml(a.port, b.port).replace('secret_env: PBX_B_SECRET } }', 'secret_env: PBX_B_SECRET }, agi_from: [127.0.0.2/32], remote_interface: "PJSIP/{exten}@to-b" }');
    pbxes = scratch.file('pbxes.yaml', text);
    env = { PBX_A_SECRET: 'secret-of-a', PBX_B_SECRET: 'secret-of-b', AMI_PORT: '1' };
  });
  after(async () => {
    await a.close();
    await b.close();
    await db.drop();
    scratch.remove();
  });

  const noSecret = (res: { stdout: string; stderr: string }) => {
    for (const secret of ['secret-of-a', 'secret-of-b']) assert.ok(!`${res.stdout}${res.stderr}`.includes(secret), 'no secret is ever printed');
  };

  test('each PBX over its own AMI: the file starts with pbxes: and every queue and extension has its pbx:, and provisions so', async () => {
    const res = await agentgate(['provision', '--from-asterisk', '--pbxes', pbxes], env);
    assert.equal(res.code, 0, res.stderr);
    noSecret(res);
    const lines = res.stdout.split('\n');
    assert.match(lines[0] ?? '', /^# Read from Asterisk at a \(127\.0\.0\.1:\d+\), b \(127\.0\.0\.1:\d+\)\. /);
    assert.deepEqual(lines.slice(2, 10), [
      'pbxes:',
      '  - name: "a"',
      `    ami: { host: "127.0.0.1", port: ${a.port}, username: "agentgate", secret_env: "PBX_A_SECRET" }`,
      '    # agi_from: the addresses its FastAGI sessions come from, e.g. ["10.0.1.10/32"]; needed with several PBXs',
      '  - name: "b"',
      `    ami: { host: "127.0.0.1", port: ${b.port}, username: "agentgate", secret_env: "PBX_B_SECRET" }`,
      '    agi_from: ["127.0.0.2/32"]',
      '    remote_interface: "PJSIP/{exten}@to-b"',
    ]);
    const after = (head: string) => lines[lines.indexOf(head) + 1];
    assert.equal(after('  - name: "support"'), '    pbx: "a"');
    assert.equal(after('  - name: "sales"'), '    pbx: "b"');
    assert.equal(after('  - exten: "2001"'), '    pbx: "a"');
    assert.equal(after('  - exten: "2002"'), '    pbx: "b"');
    assert.equal(lines[lines.findIndex((l) => l.startsWith('  - exten: "2003"')) + 1], '    pbx: "b"');
    // an agent that is a member on both PBXs is one agent, in the queues of both
    assert.ok(lines.some((l) => /^  - agent: "1001"  # guess: the member name on PJSIP\/2001 \(PBX a\)$/.test(l)));
    assert.ok(lines.some((l) => /^    queues: \["support", "sales"\]  # guess: /.test(l)));
    // the member across PBXs is b's 2002 (one extension, on b) and puts 1002 in a's queue too
    assert.equal(lines.filter((l) => l.startsWith('  - exten: "2002"')).length, 1);
    const of1002 = lines.findIndex((l) => l.startsWith('  - agent: "1002"'));
    assert.match(lines.slice(of1002, of1002 + 4).join('\n'), /queues: \["support", "sales"\]/);

    const file = join(scratch.dir, 'two.yaml');
    const wrote = await agentgate(['provision', '--from-asterisk', '--pbxes', pbxes, '--write', file], env);
    assert.equal(wrote.code, 0, wrote.stderr);
    assert.equal(readFileSync(file, 'utf8'), res.stdout);
    const applied = await agentgate(['provision', file], { DATABASE_URL: db.url ?? '' });
    assert.equal(applied.code, 0, applied.stderr);
    const where = async (table: string, key: string) => Object.fromEntries((await db.knex(table).select(key, 'pbx')).map((r) => [r[key], r.pbx]));
    assert.deepEqual(await where('queues', 'name'), { support: 'a', sales: 'b' });
    assert.deepEqual(await where('extensions', 'exten'), { '2001': 'a', '2002': 'b', '2003': 'b' });
    assert.deepEqual(await db.knex('pbxes').orderBy('name').pluck('secret_env'), ['PBX_A_SECRET', 'PBX_B_SECRET']);
  });

  test('a secret variable not set, or a wrong secret, is named with its PBX; nothing is printed or written', async () => {
    const file = join(scratch.dir, 'never.yaml');
    const unset = await agentgate(['provision', '--from-asterisk', '--pbxes', pbxes, '--write', file], { ...env, PBX_B_SECRET: '' });
    assert.equal(unset.code, 2);
    assert.equal(unset.stdout, '');
    assert.match(unset.stderr, /^agentgate: PBX b: PBX_B_SECRET, the environment variable that holds the AMI secret of PBX b \(its secret_env\), is not set: set PBX_B_SECRET /);
    noSecret(unset);
    const wrong = await agentgate(['provision', '--from-asterisk', '--pbxes', pbxes, '--write', file], { ...env, PBX_A_SECRET: 'wrong' });
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /^agentgate: PBX a: AMI login refused: Authentication failed: the ami\.username of PBX a \("agentgate"\) and PBX_A_SECRET must match a \[agentgate\] section/);
    noSecret(wrong);
    assert.throws(() => readFileSync(file), /ENOENT/);
    const none = await agentgate(['provision', '--from-asterisk', '--pbxes', scratch.file('none.yaml', 'queues: []\n')], env);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /none\.yaml has no pbxes: to read/);
  });

  test('a queue or an extension on two PBXs is refused, naming both PBXs, and nothing is written', async () => {
    b.addQueue('support');
    b.endpoints = [...b.endpoints, { name: '2001' }];
    const file = join(scratch.dir, 'clash.yaml');
    const res = await agentgate(['provision', '--from-asterisk', '--pbxes', pbxes, '--write', file], env);
    assert.equal(res.code, 2);
    assert.equal(res.stdout, '');
    const lines = res.stderr.split('\n');
    assert.ok(lines.includes('  queue "support" is on PBX a and on PBX b'), res.stderr);
    assert.ok(lines.includes('  extension "2001" is on PBX a and on PBX b'), res.stderr);
    assert.match(res.stderr, /^agentgate: queue names and extensions are unique across PBXs/);
    assert.throws(() => readFileSync(file), /ENOENT/);
  });
});

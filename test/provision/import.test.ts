import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SimAsterisk } from '../support/asterisk.js';
import { agentgate } from '../support/cli.js';
import { type TestDb, freshDatabase } from '../support/db.js';
import { type Scratch, scratchFolder } from '../support/scratch.js';

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

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { verifyPin } from '../../src/commands/pin.js';
import { ProvisionError, applyProvision, readProvisionFile } from '../../src/provision/apply.js';
import { type TestDb, freshDatabase } from '../support/db.js';
import { BASE_YAML } from '../support/paths.js';
import { scratchFolder } from '../support/scratch.js';

let db: TestDb;
const scratch = scratchFolder('prov');
const dir = scratch.dir;
const file = scratch.file;
before(async () => {
  db = await freshDatabase();
});
after(async () => {
  await db.drop();
  scratch.remove();
});

const apply = (path: string, prune = false) => applyProvision(db.knex, readProvisionFile(path), { prune, path });

describe('provisioning', () => {
  test('a good file creates everything, with the PIN stored only as a hash', async () => {
    const report = await apply(BASE_YAML);
    assert.deepEqual(report.queues, { created: 3, updated: 0, unchanged: 0, removed: 0 });
    assert.deepEqual(report.agents, { created: 4, updated: 0, unchanged: 0, removed: 0 });
    assert.deepEqual(report.extensions.created, 5);
    assert.deepEqual(report.pause_reasons.created, 3);
    const maria = await db.knex('agents').where({ login: '1001' }).first();
    assert.equal(maria.name, 'Maria Silva');
    assert.ok(!String(maria.pin_hash).includes('1234'));
    assert.ok(await verifyPin('1234', maria.pin_hash));
    assert.ok(!(await verifyPin('4321', maria.pin_hash)));
    assert.deepEqual(await db.knex('agent_queues').where({ agent: '1003' }).orderBy('queue').pluck('queue'), ['sales', 'support']);
    const e = await db.knex('extensions').where({ exten: '2003' }).first();
    assert.deepEqual([e.interface, e.state_interface, e.callcenter], ['Local/2003@from-queue/n', 'PJSIP/2003', true]);
    const q = await db.knex('queues').where({ name: 'billing' }).first();
    assert.deepEqual([q.number, q.callcenter], ['200', false]);
  });

  test('running the same file again changes nothing', async () => {
    const hashBefore = (await db.knex('agents').where({ login: '1001' }).first()).pin_hash;
    const report = await apply(BASE_YAML);
    for (const counts of Object.values(report)) assert.equal(counts.created + counts.updated + counts.removed, 0);
    assert.equal((await db.knex('agents').where({ login: '1001' }).first()).pin_hash, hashBefore);
  });

  test('a changed entry is updated; without --prune nothing is removed', async () => {
    const path = file(
      'small.yaml',
      `queues:\n  - { name: support, number: 101 }\nagents:\n  - { agent: "1001", name: "Maria S.", pin: "9999" }\n`,
    );
    const report = await apply(path);
    assert.equal(report.queues.updated, 1);
    assert.equal(report.agents.updated, 1);
    const maria = await db.knex('agents').where({ login: '1001' }).first();
    assert.equal(maria.name, 'Maria S.');
    assert.ok(await verifyPin('9999', maria.pin_hash));
    assert.deepEqual(await db.knex('agent_queues').where({ agent: '1001' }).pluck('queue'), [], 'the file lists no default queues now');
    assert.equal(await db.knex('agents').count('* as n').first().then((r) => Number(r?.n)), 4);
  });

  test('--prune removes what the file does not list', async () => {
    const path = file('prune.yaml', `queues:\n  - { name: support }\nextensions:\n  - { exten: "2001" }\nagents:\n  - { agent: "1001", name: Maria }\n`);
    const report = await apply(path, true);
    assert.deepEqual([report.queues.removed, report.extensions.removed, report.agents.removed, report.pause_reasons.removed], [2, 4, 3, 3]);
    assert.deepEqual(await db.knex('agents').pluck('login'), ['1001']);
  });

  test('--prune refuses to remove an agent who is logged in, and changes nothing', async () => {
    await apply(BASE_YAML);
    await db.knex('agent_sessions').insert({ agent: '1002', exten: '2002', interface: 'SIP/2002', member_name: 'João' });
    const path = file('prune2.yaml', `queues:\n  - { name: support }\nextensions:\n  - { exten: "2002" }\nagents:\n  - { agent: "1001" }\n`);
    await assert.rejects(apply(path, true), (err: Error) => err instanceof ProvisionError && /agent "1002", who is logged in on 2002/.test(err.message));
    assert.equal(await db.knex('agents').count('* as n').first().then((r) => Number(r?.n)), 4, 'nothing half-applied');
    await db.knex('agent_sessions').delete();
  });

  const bad: Array<[string, string, RegExp]> = [
    ['an exten with letters', 'extensions:\n  - { exten: "20a1" }\n', /extensions\[0\] \(exten "20a1"\), field "exten": exten must be digits only/],
    ['a missing agent login', 'agents:\n  - { name: "Nobody" }\n', /agents\[0\], field "agent"/],
    ['a short pin', 'agents:\n  - { agent: "1009", pin: "12" }\n', /agents\[0\] \(agent "1009"\), field "pin": pin must have 4 to 12 digits/],
    ['a pin with letters, not echoed back', 'agents:\n  - { agent: "1009", pin: "12a4" }\n', /field "pin": pin must be digits only$/],
    ['an unknown field', 'queues:\n  - { name: support, colour: blue }\n', /queues\[0\] \(name "support"\).*colour/],
    ['callcenter not a boolean', 'queues:\n  - { name: support, callcenter: "maybe" }\n', /queues\[0\] \(name "support"\), field "callcenter"/],
    ['a bad interface', 'extensions:\n  - { exten: "2001", interface: "2001" }\n', /extensions\[0\] \(exten "2001"\), field "interface": must look like TECH\/resource/],
    ['a duplicate agent', 'agents:\n  - { agent: "1001" }\n  - { agent: "1001" }\n', /agents\[1\]: agent "1001" is already used by agents\[0\]/],
    ['a duplicate reason name', 'pause_reasons:\n  - { code: 1, name: A }\n  - { code: 2, name: a }\n', /pause_reasons\[1\]: name "a" is already used/],
    ['an unknown section', 'people: []\n', /the file: .*people/],
    ['broken YAML, with the whole of YAML\'s message', 'queues: [ { name: support\n', /bad\.yaml: Flow map in block collection must be sufficiently indented and end with a \} at line 2, column 1:\n\nqueues: \[ \{ name: support\n/],
    ['an unquoted agent with a leading zero', 'agents:\n  - { agent: 01005 }\n', /agents\[0\] \(agent 1005\), field "agent": 01005 is read by YAML as the number 1005; write it in quotes \("01005"\)/],
    ['an unquoted exten with a leading zero', 'extensions:\n  - { exten: 02005 }\n', /extensions\[0\] \(exten 2005\), field "exten": 02005 is read by YAML as the number 2005; write it in quotes \("02005"\)/],
    ['a "|" in a member name (queue_log field separator)', 'agents:\n  - { agent: "1009", name: "Ana | Lima" }\n', /agents\[0\] \(agent "1009"\), field "name": must not contain "\|"/],
    ['a "|" in a pause reason', 'pause_reasons:\n  - { code: 9, name: "a|b" }\n', /pause_reasons\[0\] \(code 9\), field "name": must not contain "\|"/],
    ['a language agentgate ships no prompts for', 'agents:\n  - { agent: "1009", language: es }\n', /agents\[0\] \(agent "1009"\), field "language": language must be one of the shipped prompt languages: pt_BR, en/],
    ['an extension language in another spelling', 'extensions:\n  - { exten: "2001", language: pt-br }\n', /extensions\[0\] \(exten "2001"\), field "language": language must be one of the shipped prompt languages/],
    ['an agent in a queue nobody provisioned', 'agents:\n  - { agent: "1001", queues: [nosuch] }\n', /agents\[0\] \(agent "1001"\), field "queues": queue "nosuch" is not provisioned/],
  ];
  for (const [what, text, message] of bad) {
    test(`a bad file is refused whole: ${what}`, async () => {
      const realPath = file('bad.yaml', text);
      const before = await db.knex('queues').pluck('name');
      await assert.rejects(
        async () => apply(realPath),
        (err: Error) => {
          assert.ok(err instanceof ProvisionError, err.message);
          assert.match(err.message, new RegExp(`^${realPath.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `));
          assert.match(err.message, message);
          return true;
        },
      );
      assert.deepEqual(await db.knex('queues').pluck('name'), before, 'nothing applied');
    });
  }

  test('agents and extensions take a prompt language; listed without one, they have none', async () => {
    await apply(BASE_YAML);
    const path = file('languages.yaml', 'extensions:\n  - { exten: "2001", language: en }\nagents:\n  - { agent: "1002", name: "João Souza", language: pt_BR }\n');
    const report = await apply(path);
    assert.deepEqual([report.extensions.updated, report.agents.updated], [1, 1]);
    assert.equal((await db.knex('extensions').where({ exten: '2001' }).first()).language, 'en');
    assert.equal((await db.knex('agents').where({ login: '1002' }).first()).language, 'pt_BR');
    assert.deepEqual((await apply(path)).agents, { created: 0, updated: 0, unchanged: 1, removed: 0 }, 'again: unchanged');
    await apply(BASE_YAML);
    assert.equal((await db.knex('extensions').where({ exten: '2001' }).first()).language, null);
  });

  test("an agent's default queues may be given by the queue's number", async () => {
    await apply(BASE_YAML);
    const path = file('numbers.yaml', 'queues:\n  - { name: support, number: 100 }\n  - { name: sales, number: 300 }\nagents:\n  - { agent: "1004", name: Pedro, queues: [100, "300"] }\n');
    await apply(path);
    assert.deepEqual(await db.knex('agent_queues').where({ agent: '1004' }).orderBy('queue').pluck('queue'), ['sales', 'support']);
  });

  test('the CLI prints what it did, and names the file and the field when refusing', async () => {
    const run = promisify(execFile);
    const env = { ...process.env, DATABASE_URL: db.url ?? '', DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'silent' };
    const cli = ['--import', 'tsx', new URL('../../src/cli.ts', import.meta.url).pathname];
    const ok = await run(process.execPath, [...cli, 'provision', BASE_YAML], { env });
    assert.match(ok.stdout, /^queues: \d+ created, \d+ updated, \d+ unchanged, 0 removed$/m);
    const badPath = file('cli-bad.yaml', 'agents:\n  - { agent: "1001", pin: "ab" }\n');
    const res = await run(process.execPath, [...cli, 'provision', badPath], { env }).catch((e: { code: number; stderr: string }) => e);
    assert.equal((res as { code: number }).code, 2);
    assert.match((res as { stderr: string }).stderr, /cli-bad\.yaml: agents\[0\] \(agent "1001"\), field "pin"/);
  });
});

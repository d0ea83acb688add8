import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ProvisionError, applyProvision, readProvisionFile } from '../../src/provision/apply.js';
import { type TestDb, freshDatabase } from '../support/db.js';
import { scratchFolder } from '../support/scratch.js';

let db: TestDb;
const scratch = scratchFolder('pbx-prov');
before(async () => {
  db = await freshDatabase();
});
after(async () => {
  await db.drop();
  scratch.remove();
});

const PBXES = `pbxes:
  - { name: a, ami: { host: 127.0.0.2, port: 5038, username: agentgate, secret_env: AMI_SECRET_A }, agi_from: [127.0.0.2/32] }
  - { name: b, ami: { host: 127.0.0.3, port: 5038, username: agentgate, secret_env: AMI_SECRET_B }, agi_from: [127.0.0.3/32], remote_interface: "PJSIP/{exten}@trunk-b" }
`;
const TWO = `${PBXES}queues:
  - { name: support, number: 100, pbx: a }
  - { name: sales, number: 200, pbx: b }
extensions:
  - { exten: "2001", pbx: a }
  - { exten: "2002", pbx: b }
agents:
  - { agent: "1001", name: "Maria" }
  - { agent: "1002", name: "Joao" }
`;

const apply = async (text: string, prune = false) => {
  const path = scratch.file(`f${Math.random().toString(36).slice(2)}.yaml`, text);
  return applyProvision(db.knex, readProvisionFile(path), { prune, path });
};
const refused = (text: string, pattern: RegExp, prune = false) =>
  assert.rejects(apply(text, prune), (err: Error) => {
    assert.ok(err instanceof ProvisionError, err.message);
    assert.match(err.message, pattern);
    return true;
  });
const placement = async () => ({
  queues: Object.fromEntries((await db.knex('queues').select('name', 'pbx')).map((r) => [r.name, r.pbx])),
  extensions: Object.fromEntries((await db.knex('extensions').select('exten', 'pbx')).map((r) => [r.exten, r.pbx])),
});

describe('provisioning several PBXs', () => {
  test('a file without pbxes puts everything on the PBX named default, as before', async () => {
    await apply(`queues:\n  - { name: old, number: 900 }\nextensions:\n  - { exten: "2900" }\n`);
    assert.deepEqual(await placement(), { queues: { old: 'default' }, extensions: { '2900': 'default' } });
    await apply(`queues:\n  - { name: old, number: 900 }\n`, true);
  });

  test('pbxes are stored with the name of the secret variable, never a secret; queues and extensions sit on their PBX', async () => {
    const report = await apply(TWO, true);
    assert.equal(report.pbxes.created, 2);
    assert.deepEqual(await placement(), { queues: { support: 'a', sales: 'b' }, extensions: { '2001': 'a', '2002': 'b' } });
    const b = await db.knex('pbxes').where({ name: 'b' }).first();
    assert.deepEqual([b.host, b.port, b.secret_env, b.agi_from, b.remote_interface], ['127.0.0.3', 5038, 'AMI_SECRET_B', ['127.0.0.3/32'], 'PJSIP/{exten}@trunk-b']);
    assert.equal((await apply(TWO)).pbxes.unchanged, 2);
  });

  test('a queue name repeated on two PBXs is refused, naming both places', () =>
    refused(`${PBXES}queues:\n  - { name: support, pbx: a }\n  - { name: support, pbx: b }\n`, /queues\[1\] \(pbx "b"\): name "support" is already used by queues\[0\] \(pbx "a"\)/));

  test('a queue number repeated on two PBXs is refused, naming both places', () =>
    refused(`${PBXES}queues:\n  - { name: support, number: 100, pbx: a }\n  - { name: other, number: 100, pbx: b }\n`, /queues\[1\] \(pbx "b"\): number "100" is already used by queues\[0\] \(pbx "a"\)/));

  test('an extension number repeated on two PBXs is refused, naming both places', () =>
    refused(`${PBXES}extensions:\n  - { exten: "2001", pbx: a }\n  - { exten: "2001", pbx: b }\n`, /extensions\[1\] \(pbx "b"\): exten "2001" is already used by extensions\[0\] \(pbx "a"\)/));

  test('an unknown PBX is named', () => refused(`${PBXES}queues:\n  - { name: support, pbx: c }\n`, /queues\[0\] \(name "support"\), field "pbx": PBX "c" is not provisioned \(known: a, b\)/));

  test('a new entry without pbx: is refused when there are several PBXs', () =>
    refused(`${PBXES}extensions:\n  - { exten: "2077" }\n`, /extensions\[0\] \(exten "2077"\): field "pbx" is needed, as there are several PBXs \(a, b\)/));

  test('a secret in the file is refused, and secret_env must name a variable', async () => {
    await refused(`pbxes:\n  - { name: a, ami: { host: h, username: u, secret: hunter2, secret_env: X } }\n`, /pbxes\[0\] \(name "a"\), field "ami": Unrecognized key: "secret"/);
    await refused(`pbxes:\n  - { name: a, ami: { host: h, username: u, secret_env: "not a name" } }\n`, /pbxes\[0\] \(name "a"\), field "ami.secret_env": secret_env names an environment variable/);
    await refused(`pbxes:\n  - { name: a, ami: { host: h, username: u, secret_env: X }, agi_from: [nonsense] }\n`, /field "agi_from": "nonsense" is not an IP address or CIDR/);
  });

  test('moving a queue or extension with agents logged in, or --prune of their PBX, is refused naming them, and changes nothing', async () => {
    await db.knex('agent_sessions').insert({ agent: '1002', exten: '2002', interface: 'PJSIP/2002', member_name: 'Joao' });
    await db.knex('session_queues').insert({ agent: '1002', queue: 'sales' });
    try {
      await refused(TWO.replace('{ exten: "2002", pbx: b }', '{ exten: "2002", pbx: a }'), /extensions\[1\] \(exten "2002"\), field "pbx": moving it from PBX "b" to "a" while agent "1002" is logged in on it: log it off first/);
      await refused(TWO.replace('{ name: sales, number: 200, pbx: b }', '{ name: sales, number: 200, pbx: a }'), /queues\[1\] \(name "sales"\), field "pbx": moving it from PBX "b" to "a" while agents "1002" are logged in/);
      const onlyA = `pbxes:\n  - { name: a, ami: { host: 127.0.0.2, username: agentgate, secret_env: AMI_SECRET_A } }\nqueues:\n  - { name: support, pbx: a }\nextensions:\n  - { exten: "2001", pbx: a }\nagents:\n  - { agent: "1002" }\n`;
      await refused(onlyA, /--prune would remove PBX "b", where agents "1002" are logged in: log them off first/, true);
      assert.deepEqual(await db.knex('pbxes').orderBy('name').pluck('name'), ['a', 'b']);
    } finally {
      await db.knex('agent_sessions').delete();
    }
  });

  test('changing a remote_interface while a member across PBXs uses it is refused naming the agent; without one, it changes', async () => {
    // 1002 on b's extension 2002, logged in to a's queue support: a member on a through b's remote_interface
    await db.knex('agent_sessions').insert({ agent: '1002', exten: '2002', interface: 'PJSIP/2002', member_name: 'Joao' });
    await db.knex('session_queues').insert({ agent: '1002', queue: 'support' });
    const changed = TWO.replace('PJSIP/{exten}@trunk-b', 'PJSIP/{exten}@new-trunk-b');
    try {
      await refused(changed, /pbxes\[1\] \(name "b"\), field "remote_interface": changing it while agents "1002" are logged in to other PBXs' queues through it: log them off first/);
      assert.equal((await db.knex('pbxes').where({ name: 'b' }).first()).remote_interface, 'PJSIP/{exten}@trunk-b', 'nothing changed');
    } finally {
      await db.knex('agent_sessions').delete();
    }
    await apply(changed);
    assert.equal((await db.knex('pbxes').where({ name: 'b' }).first()).remote_interface, 'PJSIP/{exten}@new-trunk-b');
    await apply(TWO);
  });

  test('an extension moves to another PBX by changing its pbx: when nobody is logged in on it', async () => {
    await apply(TWO.replace('{ exten: "2002", pbx: b }', '{ exten: "2002", pbx: a }'));
    assert.equal((await placement()).extensions['2002'], 'a');
  });
});

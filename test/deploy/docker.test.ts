import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parseAllowList } from '../../src/config.js';
import { readProvisionFile } from '../../src/provision/apply.js';

const root = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));
const compose = parse(readFileSync(root('docker-compose.yml'), 'utf8')) as {
  services: Record<string, { environment?: Record<string, string>; ports?: string[]; entrypoint?: string[]; command?: string[]; depends_on?: Record<string, { condition: string }>; volumes?: string[] }>;
  networks: Record<string, { ipam: { config: Array<{ subnet: string }> } }>;
};
const service = compose.services.agentgate!;
/** `${VAR:-default}` → default: what a compose file does when nothing is set. */
const byDefault = (v: string) => v.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');

describe('the shipped docker-compose.yml denies by default', () => {
  for (const name of ['API_ALLOW', 'AGI_ALLOW']) {
    test(`${name} covers the loopback and the compose network, and no LAN`, () => {
      const list = parseAllowList(byDefault(service.environment![name]!));
      const subnet = compose.networks.agentgate!.ipam.config[0]!.subnet;
      assert.ok(list.check('127.0.0.1', 'ipv4'));
      assert.ok(list.check(subnet.replace(/0\/24$/, '1'), 'ipv4'), 'the network gateway: how the host reaches published ports');
      for (const lan of ['10.0.0.5', '192.168.1.20', '172.16.0.9', '172.20.0.1']) assert.ok(!list.check(lan, 'ipv4'), `${name} lets ${lan} in`);
    });
  }
  test('ports are published on the loopback only', () => {
    for (const p of service.ports!) assert.match(byDefault(p), /^127\.0\.0\.1:/);
  });
  test('migrate and provision run, from an example file, before serve', () => {
    const setup = compose.services.setup!;
    assert.match(setup.entrypoint!.join(' '), /cli\.js migrate && node dist\/cli\.js provision \/app\/provision\.yaml/);
    assert.equal(service.depends_on?.setup?.condition, 'service_completed_successfully');
    assert.deepEqual(service.command, ['serve']);
    const mount = byDefault(setup.volumes![0]!).split(':')[0]!;
    assert.ok(readProvisionFile(root(mount)).agents.length > 0, 'the example file is valid');
  });
});

test("the image's data directory belongs to the image's user", () => {
  const dockerfile = readFileSync(root('Dockerfile'), 'utf8');
  const dataDir = /ENV DATA_DIR=(\S+)/.exec(dockerfile)?.[1];
  assert.ok(dataDir);
  assert.match(dockerfile, new RegExp(`chown node:node ${dataDir}`));
  assert.ok(dockerfile.indexOf('chown node:node') < dockerfile.indexOf('USER node'));
});

test('the shipped dialplan points to documents that are in the repository', () => {
  const conf = readFileSync(root('dialplan/agentgate.conf'), 'utf8');
  assert.doesNotMatch(conf, /CONTRACT/, 'CONTRACT.md is not shipped; docs/http-api.md has the answer table');
});

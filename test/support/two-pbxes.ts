import { loadConfig } from '../../src/config.js';
import { type Service, startService } from '../../src/service.js';
import { quietLog, until } from './harness.js';

/**
 * Provisioning of two PBXs for test/pbx: `a` (queue support, extension 2001) and `b` (sales, 2002),
 * their AMI on these ports, agents 1001 and 1002; `more` is added at the end (its own sections).
 */
export function twoPbxesYaml(portA: number, portB: number, more = ''): string {
  return `pbxes:
  - { name: a, ami: { host: 127.0.0.1, port: ${portA}, username: agentgate, secret_env: PBX_A_SECRET } }
  - { name: b, ami: { host: 127.0.0.1, port: ${portB}, username: agentgate, secret_env: PBX_B_SECRET } }
queues:
  - { name: support, number: 100, callcenter: true, pbx: a }
  - { name: sales, number: 300, callcenter: true, pbx: b }
extensions:
  - { exten: "2001", callcenter: true, pbx: a }
  - { exten: "2002", callcenter: true, pbx: b }
agents:
  - { agent: "1001", name: "Maria Silva" }
  - { agent: "1002", name: "João Souza" }
${more}`;
}

/**
 * The service in-process over a provisioned database, as test/pbx runs it: HTTP and FastAGI on free
 * ports, no periodic reconcile, `env` for the PBXs' secrets (and any other setting); resolves once
 * every PBX of `up` is connected and the first resyncs are over.
 */
export async function serveOnPbxes(dbUrl: string, env: Record<string, string>, up: readonly string[]): Promise<{ svc: Service; base: string }> {
  const svc = await startService(
    loadConfig({ DATABASE_URL: dbUrl, HTTP_PORT: '0', AGI_PORT: '0', AMI_TIMEOUT_MS: '500', RECONCILE_INTERVAL_S: '0', SHUTDOWN_GRACE_MS: '2000', ...env }),
    quietLog,
  );
  await until(() => up.every((name) => svc.pbxes.isUp(name)), `${up.join(', ')} connected`);
  await svc.keeper.idle();
  return { svc, base: `http://127.0.0.1:${svc.httpPort}` };
}

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

/**
 * Several simulated Asterisk servers in a process of their own (the `pbxes` part), each on its own
 * port, the last behind a TCP proxy that can answer late or hold a resync's QueueStatus. Prints
 * `{"ports":[…]}` (what the service connects to: the last one the proxy's), then takes one JSON
 * command a line on stdin and answers each with one JSON line on stdout:
 *   {"op":"stats"}                         → {"connections":[…],"members":[…]}
 *   {"op":"latency","ms":3000}             → every answer of the last PBX 3 s late (0: on time)
 *   {"op":"holdResync","n":2}              → the first QueueStatus on each of n connections to the last PBX is held,
 *                                            with what follows on it; answers {"op":"held"} once all n were
 *   {"op":"release"}                       → everything held goes on
 *   {"op":"watchResync"}                   → the next one is let through, and answers {"op":"seen"} when it came
 *   {"op":"drop","pbx":3}                  → that PBX cuts every connection (they reconnect)
 *   {"op":"pause","pbx":0,"ifaces":[…],"paused":true} → paused or unpaused there, as a supervisor's console would
 * argv: the number of PBXs.
 */
import { createInterface } from 'node:readline';
import { SimAsterisk } from '../../src/sim/ami-server.js';
import { TcpProxy } from '../support/proxy.js';

const count = Number(process.argv[2] ?? 4);
const sims = await Promise.all(
  Array.from({ length: count }, (_, k) => SimAsterisk.start({ username: 'agentgate', secret: 'bench', queues: [`support-${k + 1}`, `sales-${k + 1}`] })),
);
const proxy = await TcpProxy.start(sims[count - 1]!.port);
// the simulator keeps every action it was sent (for tests); over a bench's tens of thousands that is only memory
for (const sim of sims) sim.on('action', () => sim.clearActions());
const answer = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(o)}\n`);
answer({ ports: [...sims.slice(0, -1).map((s) => s.port), proxy.port] });

createInterface({ input: process.stdin }).on('line', (text) => {
  const cmd = JSON.parse(text) as { op: string; ms?: number; n?: number; pbx?: number; ifaces?: string[]; paused?: boolean };
  if (cmd.op === 'stats') return answer({ op: 'stats', connections: sims.map((s) => s.connectionCount()), members: sims.map((s) => s.members().length) });
  if (cmd.op === 'latency') {
    proxy.latencyMs = cmd.ms ?? 0;
    return answer({ op: 'latency' });
  }
  if (cmd.op === 'holdResync') {
    // a calls board asks QueueStatus on each (re)connect too: holding each connection at its first
    // holds the resync of whichever instance took the lease, behind it or at it
    void Promise.all(Array.from({ length: cmd.n ?? 1 }, () => proxy.hold('toServer', 'Action: QueueStatus'))).then(() => answer({ op: 'held' }));
    return answer({ op: 'holdResync' });
  }
  if (cmd.op === 'release') {
    proxy.releaseAll();
    return answer({ op: 'release' });
  }
  if (cmd.op === 'watchResync') {
    // the next QueueStatus to the last PBX is let through at once, and said
    void proxy.hold('toServer', 'Action: QueueStatus', 0).then(() => answer({ op: 'seen' }));
    return answer({ op: 'watchResync' });
  }
  if (cmd.op === 'drop') {
    sims[cmd.pbx ?? 0]!.dropConnections();
    return answer({ op: 'drop' });
  }
  if (cmd.op === 'pause') {
    const sim = sims[cmd.pbx ?? 0]!;
    let changed = 0;
    for (const iface of cmd.ifaces ?? []) if (sim.externalPause(iface, cmd.paused ?? true, 'Almoco')) changed += 1;
    return answer({ op: 'pause', changed });
  }
});
process.on('SIGTERM', () => {
  proxy.releaseAll();
  void Promise.all([proxy.close(), ...sims.map((s) => s.close())]).then(() => process.exit(0));
});

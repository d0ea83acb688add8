// The simulated Asterisk in a process of its own, so it does not share the load generator's CPU.
import { SimAsterisk } from '../../src/sim/ami-server.js';

const sim = await SimAsterisk.start({ username: 'agentgate', secret: 'bench', queues: ['support', 'sales'] });
process.stdout.write(`${JSON.stringify({ port: sim.port })}\n`);
process.on('SIGTERM', () => void sim.close().then(() => process.exit(0)));

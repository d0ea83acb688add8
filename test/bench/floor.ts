/**
 * The floor: what the same login → pause → unpause → logoff cycles cost with nothing but `pg` and a
 * raw AMI socket doing the essential statements and the AMI action. No validation, no logging, no
 * HTTP. Args: AMI port, database URL, concurrency, commands, first agent index.
 */
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import pg from 'pg';

const [amiPort, url, concurrencyArg, countArg] = process.argv.slice(2);
const concurrency = Number(concurrencyArg);
const count = Number(countArg);

const pool = new pg.Pool({ connectionString: url, max: Math.min(20, concurrency) });
const sock = net.connect({ host: '127.0.0.1', port: Number(amiPort) });
const waiting = new Map<string, (ok: boolean) => void>();
let buf = '';
let greeted = false;
sock.setEncoding('utf8');
sock.on('data', (d: string) => {
  buf += d;
  // the greeting is one line with no blank line after it
  if (!greeted && buf.includes('\r\n')) {
    buf = buf.slice(buf.indexOf('\r\n') + 2);
    greeted = true;
  }
  let end: number;
  while ((end = buf.indexOf('\r\n\r\n')) >= 0) {
    const msg = buf.slice(0, end);
    buf = buf.slice(end + 4);
    if (!msg.includes('Response:')) continue;
    const id = /ActionID: (.*)/.exec(msg)?.[1];
    const done = id ? waiting.get(id) : undefined;
    if (done) {
      waiting.delete(id!);
      done(msg.startsWith('Response: Success'));
    }
  }
});
function ami(headers: Record<string, string>): Promise<boolean> {
  const id = randomUUID();
  const text = Object.entries({ ...headers, ActionID: id }).map(([k, v]) => `${k}: ${v}`).join('\r\n');
  return new Promise((resolve) => {
    waiting.set(id, resolve);
    sock.write(`${text}\r\n\r\n`);
  });
}
await new Promise((r) => sock.once('connect', r));
await ami({ Action: 'Login', Username: 'agentgate', Secret: 'bench', Events: 'off' });

async function step(agent: string, exten: string, command: string): Promise<void> {
  const c = await pool.connect();
  try {
    await c.query('begin');
    await c.query('select login, name from agents where login = $1 for update', [agent]);
    const iface = `PJSIP/${exten}`;
    if (command === 'login') {
      await ami({ Action: 'QueueAdd', Queue: 'support', Interface: iface, MemberName: agent, StateInterface: iface, Penalty: '0', Paused: 'false' });
      await c.query('insert into agent_sessions (agent, exten, interface, member_name) values ($1, $2, $3, $1)', [agent, exten, iface]);
      await c.query('insert into session_queues (agent, queue) values ($1, $2)', [agent, 'support']);
    } else if (command === 'logoff') {
      await c.query('select * from agent_sessions where agent = $1', [agent]);
      await ami({ Action: 'QueueRemove', Queue: 'support', Interface: iface });
      await c.query('delete from agent_sessions where agent = $1', [agent]);
    } else {
      await c.query('select * from agent_sessions where agent = $1', [agent]);
      const paused = command === 'pause';
      await ami({ Action: 'QueuePause', Interface: iface, Paused: String(paused), ...(paused ? { Reason: 'Almoco' } : {}) });
      await c.query('update session_queues set paused = $2, reason = $3 where agent = $1', [agent, paused, paused ? 'Almoco' : null]);
    }
    await c.query("insert into events (agent, exten, queue, kind, source) values ($1, $2, 'support', $3, 'http')", [agent, exten, command]);
    await c.query('commit');
  } finally {
    c.release();
  }
}

const CYCLE = ['login', 'pause', 'unpause', 'logoff'];
const latencies: number[] = [];
// whole cycles only, so every agent ends logged off
const steps = Math.max(4, Math.round(count / concurrency / 4) * 4);
const started = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async (_, w) => {
    // each worker owns agents w, w+concurrency, …: no two workers touch one agent
    for (let slot = 0; slot < steps; ) {
      const agentIndex = w + concurrency * (Math.floor(slot / CYCLE.length) % Math.max(1, Math.floor(1000 / concurrency)));
      const command = CYCLE[slot % CYCLE.length] as string;
      slot += 1;
      const t = performance.now();
      await step(String(5001 + agentIndex), String(3001 + agentIndex), command);
      latencies.push(performance.now() - t);
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ count: latencies.length, seconds, latencies })}\n`);
sock.end();
await pool.end();

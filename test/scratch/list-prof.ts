import { openDatabase } from '../../src/db/connect.js';
import { listAgentsJson } from '../../src/live/lists.js';
const URL = 'postgres://postgres@127.0.0.1:5432/agentgate_scratch_breaks';
async function main() {
  const db = await openDatabase({ url: URL, dataDir: '' });
  const k = db.knex;
  if (Number((await k.raw('select count(*)::int n from agents')).rows[0].n) < 10000) {
    await k.raw(`insert into agents (login, name) select (5000 + a)::text, 'Agent ' || (5000 + a) from generate_series(2001, 10000) a on conflict do nothing`);
    await k.raw(`insert into queues (name, number, callcenter) values ('support', '100', true), ('sales', '200', true) on conflict do nothing`);
    await k.raw(`insert into extensions (exten, callcenter) select (20000 + a)::text, true from generate_series(1, 10000) a on conflict do nothing`);
    await k.raw(`insert into agent_sessions (agent, exten, interface, member_name) select (5000 + a)::text, (20000 + a)::text, 'PJSIP/' || (20000 + a), 'A' from generate_series(1, 2000) a on conflict do nothing`);
    await k.raw(`insert into session_queues (agent, queue, paused, reason) select (5000 + a)::text, q, a % 3 = 0, case when a % 3 = 0 then 'Almoco' end from generate_series(1, 2000) a cross join (values ('support'), ('sales')) v(q) on conflict do nothing`);
    await k.raw('analyze');
  }
  const times: number[] = [];
  for (let i = 0; i < Number(process.argv[2] ?? 30); i++) {
    const t = performance.now();
    const s = await listAgentsJson(k);
    times.push(performance.now() - t);
    if (i === 0) console.log('bytes', s.length);
  }
  times.sort((a, b) => a - b);
  console.log('p50', times[Math.floor(times.length / 2)]!.toFixed(1), 'p99', times[times.length - 1]!.toFixed(1));
  await db.close();
}
void main();

import type { Knex } from 'knex';
import type { QueueState } from '../commands/store.js';
import { type LampState, lampOf } from './state.js';

/**
 * Every provisioned extension's lamp as the record says it (an extension nobody is logged in on is
 * dark), in one statement; `extens` narrows it to those, `pbx` to that PBX's.
 */
export async function lampsInRecord(db: Knex, extens?: readonly string[], pbx?: string): Promise<Map<string, LampState>> {
  const { rows } = await db.raw(
    `select e.exten,
            coalesce(json_agg(json_build_object('queue', q.queue, 'paused', q.paused)) filter (where q.queue is not null), '[]') as queues
       from extensions e
       left join agent_sessions s on s.exten = e.exten
       left join session_queues q on q.agent = s.agent
      where (?::text[] is null or e.exten = any(?::text[])) and (?::text is null or e.pbx = ?)
      group by e.exten
      order by e.exten`,
    [extens ? [...extens] : null, extens ? [...extens] : null, pbx ?? null, pbx ?? null],
  );
  const lamps = new Map<string, LampState>();
  for (const r of rows as Array<{ exten: string; queues: string | QueueState[] }>) {
    lamps.set(r.exten, lampOf(typeof r.queues === 'string' ? JSON.parse(r.queues) : r.queues));
  }
  return lamps;
}

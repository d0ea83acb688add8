/**
 * What each write of a command costs: the same login → pause → unpause → logoff cycles, one
 * command at a time, run in this process against a database of its own with one piece taken away
 * at a time (a trigger, the report text, an index, the lamp's Setvar), against the schema as
 * shipped. The figures are the medians of the command and of its two statements.
 */
import type { Knex } from 'knex';
import pg from 'pg';
import pino from 'pino';
import { AmiPbx } from '../../src/ami/client.js';
import { PbxSet } from '../../src/ami/pbxes.js';
import { Claims } from '../../src/commands/claims.js';
import type { Deps } from '../../src/commands/deps.js';
import { runCommand } from '../../src/commands/run.js';
import { openDatabase } from '../../src/db/connect.js';
import { migrate } from '../../src/db/migrate.js';
import { Lamps } from '../../src/lamps/lamps.js';
import { CYCLE, percentile } from './load.js';

interface Variant {
  name: string;
  /** Takes the piece away; `undo` puts it back (absent: it stays away, so the variant runs last). */
  take?: string;
  undo?: string;
  lamps?: false;
}

const VARIANTS: Variant[] = [
  { name: 'without the webhook outbox trigger', take: 'alter table events disable trigger events_webhook_outbox', undo: 'alter table events enable trigger events_webhook_outbox' },
  { name: "without the lists' last-logoff trigger", take: 'alter table events disable trigger events_last_logoff', undo: 'alter table events enable trigger events_last_logoff' },
  { name: "without the reports' session index", take: 'drop index events_sessions', undo: "create index events_sessions on events (agent, queue, at) where kind in ('login', 'logoff')" },
  { name: "without the lamp's Setvar", lamps: false },
  { name: 'without the report text (events.report_line)', take: 'alter table events drop column report_line' },
];

/** Everything above taken away at once (after the last variant, whose piece stays away). */
const ALL_AWAY = [VARIANTS[0], VARIANTS[1], VARIANTS[2]].map((v) => v?.take as string);

export async function writeCosts(adminUrl: string, amiPort: string, commands: number, say: (l: string) => void): Promise<Array<Record<string, unknown>>> {
  const name = `agentgate_bench_writes_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = await openDatabase({ url: url.toString(), dataDir: '' });
  const log = pino({ level: 'silent' });
  const pbx = new AmiPbx({ host: '127.0.0.1', port: Number(amiPort), username: 'agentgate', secret: 'bench', timeoutMs: 60_000, logger: log });
  const rows: Array<Record<string, unknown>> = [];
  try {
    await migrate(db.knex);
    await db.knex('queues').insert({ name: 'support', number: '100', callcenter: true });
    await db.knex('pause_reasons').insert({ name: 'Almoco', code: 1 });
    await db.knex('agents').insert(Array.from({ length: 10 }, (_, k) => ({ login: String(7001 + k), name: `Agent ${7001 + k}` })));
    await db.knex('extensions').insert(Array.from({ length: 10 }, (_, k) => ({ exten: String(4001 + k), callcenter: true })));
    const up = new Promise<void>((r) => pbx.once('connected', () => r()));
    pbx.start();
    await up;
    const pbxes = PbxSet.of({ default: pbx });
    const lamps = new Lamps(pbxes, log);
    const noLamps = { settled() {} } as unknown as Lamps;
    const deps = (withLamps: boolean): Deps => ({ db: db.knex, pbxes, log, memberInterface: 'PJSIP/{exten}', claims: new Claims(60_000), lamps: withLamps ? lamps : noLamps });
    await cycles(deps(true), 3 * commands); // warm: compiled code, and the statements prepared on the connections
    // each piece against the schema as shipped measured just before it, so a machine that gets busier weighs on both
    const versus = async (name: string, away: () => Promise<void>, withLamps: boolean) => {
      const shipped = await measure(db.knex, () => cycles(deps(true), commands));
      await away();
      const without = await measure(db.knex, () => cycles(deps(withLamps), commands));
      const costUs = Math.round((shipped.commandMs - without.commandMs) * 1000);
      rows.push({ variant: name, shipped, without, costUs });
      say(`writes, ${name}: command p50 ${without.commandMs} ms against ${shipped.commandMs} ms as shipped (${costUs} µs a command)`);
    };
    for (const v of VARIANTS) {
      await versus(v.name, async () => void (v.take && (await db.knex.raw(v.take))), v.lamps !== false);
      if (v.undo) await db.knex.raw(v.undo);
    }
    // the last variant's piece (the report text) is still away: take the rest too
    await versus('without all of them', async () => {
      for (const sql of ALL_AWAY) await db.knex.raw(sql);
    }, false);
  } finally {
    await pbx.close();
    await db.close();
    await admin.query(`drop database if exists ${name}`);
    await admin.end();
  }
  return rows;
}

async function cycles(deps: Deps, commands: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < commands; i++) {
    const k = Math.floor(i / CYCLE.length) % 10;
    const command = CYCLE[i % CYCLE.length] as string;
    const t = performance.now();
    const r = await runCommand(deps, { command, agent: String(7001 + k), exten: String(4001 + k), queue: 'support', reason: 'Almoco' }, { source: 'http', actor: 'ip:127.0.0.1' });
    times.push(performance.now() - t);
    if (r.kind !== 'loginOk' && r.kind !== 'pauseOk' && r.kind !== 'unpauseOk' && r.kind !== 'logoffOk') throw new Error(`${command}: ${r.kind}`);
  }
  return times;
}

type Query = { __knexQueryUid: string; sql: string };

async function measure(knex: Knex, run: () => Promise<number[]>): Promise<{ commandMs: number; claimMs: number; settleMs: number }> {
  const started = new Map<string, number>();
  const claim: number[] = [];
  const settle: number[] = [];
  const onQuery = (q: Query) => started.set(q.__knexQueryUid, performance.now());
  const onResponse = (_r: unknown, q: Query) => {
    const ms = performance.now() - (started.get(q.__knexQueryUid) ?? Number.NaN);
    started.delete(q.__knexQueryUid);
    if (q.sql.includes('agentgate_claim(')) claim.push(ms);
    else if (q.sql.includes('delete from intents t using x')) settle.push(ms);
  };
  knex.on('query', onQuery).on('query-response', onResponse);
  try {
    const times = await run();
    const r = (xs: number[]) => +percentile(xs, 50).toFixed(3);
    return { commandMs: r(times), claimMs: r(claim), settleMs: r(settle) };
  } finally {
    knex.off('query', onQuery).off('query-response', onResponse);
  }
}

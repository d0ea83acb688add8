import type { Knex } from 'knex';
import { pino } from 'pino';
import { AmiPbx } from '../../src/ami/client.js';
import type { SentAction } from '../../src/ami/pbx.js';
import type { Deps } from '../../src/commands/deps.js';
import { parseAllowList } from '../../src/config.js';
import { accessCheck } from '../../src/http/access.js';
import { buildHttp } from '../../src/http/app.js';
import { applyProvision, readProvisionFile } from '../../src/provision/apply.js';
import { SimAsterisk } from './asterisk.js';
import { type TestDb, freshDatabase } from './db.js';
import { BASE_YAML } from './paths.js';

export const quietLog = pino({ level: process.env.TEST_LOG ?? 'silent' });

export interface Harness {
  db: TestDb;
  knex: Knex;
  sim: SimAsterisk;
  pbx: AmiPbx;
  deps: Deps;
  uncertain: SentAction[];
  http: ReturnType<typeof buildHttp>;
  close(): Promise<void>;
}

/** A fresh database with the base provisioning, a simulated Asterisk, and the service's parts wired to them. */
export async function startHarness(opts: { timeoutMs?: number; yaml?: string } = {}): Promise<Harness> {
  const db = await freshDatabase();
  await applyProvision(db.knex, readProvisionFile(opts.yaml ?? BASE_YAML), { prune: false, path: 'base.yaml' });
  const sim = await SimAsterisk.start({ username: 'agentgate', secret: 'test-secret' });
  const pbx = new AmiPbx({
    host: '127.0.0.1',
    port: sim.port,
    username: 'agentgate',
    secret: 'test-secret',
    timeoutMs: opts.timeoutMs ?? 1000,
    logger: quietLog,
    backoffMinMs: 20,
    backoffMaxMs: 200,
  });
  const connected = new Promise<void>((resolve) => pbx.once('connected', () => resolve()));
  pbx.start();
  await connected;
  const uncertain: SentAction[] = [];
  const deps: Deps = {
    db: db.knex,
    pbx,
    log: quietLog,
    memberInterface: 'PJSIP/{exten}',
    onUncertain: (why) => uncertain.push(why),
  };
  const http = buildHttp({
    ...deps,
    access: accessCheck(parseAllowList('127.0.0.1/32,::1/128'), ['tok-123']),
    readiness: async () => ({ database: true, pbx: pbx.isConnected() }),
  });
  await http.ready();
  const h: Harness = {
    db,
    knex: db.knex,
    sim,
    pbx,
    deps,
    uncertain,
    http,
    close: async () => {
      await h.http.close();
      await h.pbx.close();
      await h.sim.close(); // the test may have swapped in another simulator
      await db.drop();
    },
  };
  return h;
}

/** Resolves once the AMI wrapper reports a new login. */
export function nextConnect(pbx: AmiPbx): Promise<void> {
  return new Promise((resolve) => pbx.once('connected', () => resolve()));
}

export async function events(knex: Knex, agent?: string) {
  const q = knex('events').select('agent', 'exten', 'queue', 'kind', 'reason', 'source').orderBy('id');
  if (agent) q.where({ agent });
  return q;
}

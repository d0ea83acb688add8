import { applyProvision, readProvisionFile } from '../../src/provision/apply.js';
import { SimAsterisk } from './asterisk.js';
import { type TestDb, freshDatabase } from './db.js';
import { TcpProxy } from './proxy.js';

/**
 * What a test of the real process stands on: a database provisioned from `provision`, a simulated
 * Asterisk, and a proxy in front of it that can hold or cut its bytes. `env` is the process's
 * environment for a database URL.
 */
export interface ProcessRig {
  db: TestDb;
  sim: SimAsterisk;
  ami: TcpProxy;
  env(url: string): Record<string, string>;
  close(): Promise<void>;
}

export async function startProcessRig(provision: string, secret: string): Promise<ProcessRig> {
  const db = await freshDatabase();
  await applyProvision(db.knex, readProvisionFile(provision), { prune: false, path: provision });
  const sim = await SimAsterisk.start({ username: 'agentgate', secret });
  const ami = await TcpProxy.start(sim.port);
  return {
    db,
    sim,
    ami,
    env: (url) => ({ DATABASE_URL: url, AMI_PORT: String(ami.port), AMI_SECRET: secret, AMI_TIMEOUT_MS: '500' }),
    close: async () => {
      await ami.close();
      await sim.close();
      await db.drop();
    },
  };
}

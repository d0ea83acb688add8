import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { loadConfig } from '../../src/config.js';
import { applyProvision, readProvisionFile } from '../../src/provision/apply.js';
import { type Service, startService } from '../../src/service.js';
import { SimAsterisk } from './asterisk.js';
import { chromiumPresent, launchChromium } from './browser.js';
import { type TestDb, freshDatabase } from './db.js';
import { quietLog } from './harness.js';
import { until } from './until.js';

/** A real service on its own database and simulated Asterisk, and Chromium, for a wallboard test. */
export interface WallboardRig {
  /** Screenshots and the service's data folder; removed by `close`. */
  dir: string;
  /** Undefined when Debian's chromium is absent: the test skips. */
  browser: Browser | undefined;
  db: TestDb;
  sim: SimAsterisk;
  svc: Service;
  /** `/api/agent.php` with these parameters, its JSON answer. */
  command(params: Record<string, string>): Promise<Record<string, string>>;
  close(): Promise<void>;
}

/**
 * `env`: more of the service's settings (e.g. an API_ALLOW the browser is outside of); `token`: the
 * credential `command` presents, for a service that does not let the test's address in by itself.
 */
export async function startWallboardRig(opts: { provision: string; name: string; env?: Record<string, string>; token?: string }): Promise<WallboardRig> {
  const dir = mkdtempSync(join(tmpdir(), `agentgate-${opts.name}-`));
  const rig = { dir, browser: undefined } as WallboardRig;
  rig.close = async () => {
    await rig.browser?.close();
    await rig.svc?.close();
    await rig.sim?.close();
    await rig.db?.drop();
    rmSync(dir, { recursive: true, force: true });
  };
  if (!chromiumPresent()) return rig;
  rig.db = await freshDatabase();
  await applyProvision(rig.db.knex, readProvisionFile(opts.provision), { prune: false, path: opts.provision });
  rig.sim = await SimAsterisk.start({ username: 'agentgate', secret: 'wall' });
  rig.svc = await startService(
    loadConfig({ DATABASE_URL: rig.db.url, DATA_DIR: dir, HTTP_PORT: '0', AGI_PORT: '0', AMI_PORT: String(rig.sim.port), AMI_SECRET: 'wall', SHUTDOWN_GRACE_MS: '2000', ...opts.env }),
    quietLog,
  );
  await until(() => rig.svc.pbxes.isUp('default'), 'AMI connected');
  rig.command = async (params) => {
    const headers: Record<string, string> = opts.token ? { authorization: `Bearer ${opts.token}` } : {};
    const res = await fetch(`http://127.0.0.1:${rig.svc.httpPort}/api/agent.php?${new URLSearchParams(params)}`, { headers });
    return (await res.json()) as Record<string, string>;
  };
  rig.browser = await launchChromium();
  return rig;
}

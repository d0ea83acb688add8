#!/usr/bin/env node
import { Command } from 'commander';
import type { Knex } from 'knex';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/connect.js';
import { migrate } from './db/migrate.js';
import { createLogger } from './log.js';
import { ProvisionError, applyProvision, formatReport, readProvisionFile } from './provision/apply.js';

/** Prints a one-line reason and exits non-zero: what an operator sees when something is wrong. */
function fail(err: unknown): never {
  const msg = err instanceof ConfigError || err instanceof ProvisionError ? err.message : `error: ${(err as Error).message}`;
  process.stderr.write(`agentgate: ${msg}\n`);
  process.exit(err instanceof ProvisionError || err instanceof ConfigError ? 2 : 1);
}

/** Runs a one-shot command against the configured database, closing it whatever happens. */
async function withDatabase(fn: (knex: Knex) => Promise<void>): Promise<void> {
  try {
    const config = loadConfig();
    const db = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR });
    try {
      await fn(db.knex);
    } finally {
      await db.close();
    }
  } catch (err) {
    fail(err);
  }
}

const program = new Command('agentgate')
  .description('Call-center agents in Asterisk queues: HTTP API, FastAGI feature codes, one record in Postgres')
  .showHelpAfterError();

program
  .command('serve')
  .description('run the service (HTTP and FastAGI); migrates the database first')
  .action(async () => {
    const { runServe } = await import('./main.js');
    await Promise.resolve()
      .then(() => runServe(loadConfig()))
      .catch(fail);
  });

program
  .command('migrate')
  .description('apply database migrations and exit')
  .action(() =>
    withDatabase(async (knex) => {
      const applied = await migrate(knex);
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
    }),
  );

program
  .command('provision')
  .description('create or update queues, extensions, agents and pause reasons from a YAML file')
  .argument('<file>', 'provisioning file (YAML)')
  .option('--prune', 'remove what the file does not list')
  .action(async (file: string, opts: { prune?: boolean }) => {
    let data: ReturnType<typeof readProvisionFile>;
    try {
      data = readProvisionFile(file); // a bad file is refused before the database is even opened
    } catch (err) {
      fail(err);
    }
    await withDatabase(async (knex) => {
      await migrate(knex);
      const report = await applyProvision(knex, data, { prune: Boolean(opts.prune), path: file });
      process.stdout.write(`${formatReport(report)}\n`);
    });
  });

program
  .command('report')
  .description('reports from the record')
  .command('pauses')
  .description('logged-in and paused time by agent, reason, queue or day (README, "Reports")')
  .requiredOption('--from <date>', 'first local day, YYYY-MM-DD')
  .option('--to <date>', 'last local day, inclusive (default: --from)')
  .option('--by <group>', 'agent, reason, queue or day', 'agent')
  .option('--tz <zone>', "IANA time zone (default: TZ, or the system's)")
  .option('--csv', 'CSV instead of JSON')
  .action(async (opts: { from: string; to?: string; by: string; tz?: string; csv?: boolean }) => {
    const { ReportParamError, parseReportRequest } = await import('./reports/params.js');
    let request: ReturnType<typeof parseReportRequest>;
    try {
      request = parseReportRequest({ from: opts.from, to: opts.to, group: opts.by, tz: opts.tz, format: opts.csv ? 'csv' : 'json' });
    } catch (err) {
      if (err instanceof ReportParamError) {
        process.stderr.write(`agentgate: ${err.message} (--${err.param === 'group' ? 'by' : err.param})\n`);
        process.exit(2);
      }
      fail(err);
    }
    await withDatabase(async (knex) => {
      const { pauseReport } = await import('./reports/pauses.js');
      const { reportCsv } = await import('./reports/csv.js');
      const report = await pauseReport(knex, request);
      process.stdout.write(request.format === 'csv' ? reportCsv(report) : `${JSON.stringify(report, null, 2)}\n`);
    });
  });

program
  .command('demo')
  .description('embedded database + a built-in simulated Asterisk + demo data, then serve')
  .action(async () => {
    const { runDemo } = await import('./demo.js');
    await runDemo().catch(fail);
  });

program
  .command('prompts')
  .description('voice prompts')
  .command('install')
  .argument('[dir]', "Asterisk's sounds folder", '/var/lib/asterisk/sounds')
  .description('copy the shipped prompts (pt_BR, en) into Asterisk\'s sounds folder')
  .action(async (dir: string) => {
    try {
      const { installPrompts } = await import('./agi/prompts-install.js');
      const files = await installPrompts(dir);
      process.stdout.write(`installed ${files.length} prompt files under ${dir}\n`);
    } catch (err) {
      fail(err);
    }
  });

await program.parseAsync(process.argv);

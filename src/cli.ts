#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import type { Knex } from 'knex';
import { dirname } from 'node:path';
import { ConfigError, loadConfig } from './config.js';
import { DataDirLocked, DatabaseUnreachable, openDatabase } from './db/connect.js';
import { migrate } from './db/migrate.js';
import { envHelp } from './env-help.js';
import { ProvisionError, applyProvision, formatReport, readProvisionFile } from './provision/apply.js';

/** Prints a one-line reason and exits non-zero: what an operator sees when something is wrong. */
function fail(err: unknown): never {
  const plain = err instanceof ConfigError || err instanceof ProvisionError || err instanceof DataDirLocked || err instanceof DatabaseUnreachable;
  const msg = plain ? err.message : `error: ${(err as Error).message}`;
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

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('agentgate')
  .description('Call-center agents in Asterisk queues: HTTP API, FastAGI feature codes, one record in Postgres')
  .version(version)
  .showHelpAfterError();

program
  .command('serve')
  .description('run the service (HTTP and FastAGI); migrates the database first')
  .addHelpText('after', envHelp())
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
  .argument('[file]', 'provisioning file (YAML)')
  .option('--prune', 'remove what the file does not list')
  .option('--from-asterisk', 'instead: read queues, PJSIP endpoints and members over AMI and print a file to review')
  .option('--write <file>', 'with --from-asterisk: write that file (never over an existing one) instead of printing')
  .option(
    '--pbxes <file>',
    'with --from-asterisk: read every PBX of this provisioning file\'s pbxes: (each over its own AMI, its secret in the variable its secret_env names) instead of the one of AMI_*; the file written starts with those pbxes: and gives every queue and extension its pbx: (docs/provisioning.md)',
  )
  .action(async (file: string | undefined, opts: { prune?: boolean; fromAsterisk?: boolean; write?: string; pbxes?: string }) => {
    if (opts.fromAsterisk) {
      const { ImportError, importFromAsterisk } = await import('./provision/import.js');
      try {
        const pbxes = opts.pbxes === undefined ? [] : readProvisionFile(opts.pbxes).pbxes;
        if (opts.pbxes !== undefined && pbxes.length === 0) throw new ImportError(`${opts.pbxes} has no pbxes: to read (without --pbxes the one PBX of AMI_* is read)`);
        process.stdout.write(await importFromAsterisk(loadConfig(), opts.write, pbxes));
      } catch (err) {
        if (!(err instanceof ImportError)) fail(err);
        process.stderr.write(`agentgate: ${err.message}\n`);
        process.exit(2);
      }
      return;
    }
    if (file === undefined) fail(new ConfigError('provision needs a FILE (or --from-asterisk to write one)'));
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

const report = program.command('report').description('reports from the record');

/**
 * Prints a report: the options as the HTTP parameters (a bad one named by its option, exit 2), then
 * the report from the database, JSON or CSV.
 */
async function printReport<Req extends { format: string }>(
  parse: () => Promise<Req>,
  option: (param: string) => string,
  make: (knex: Knex, req: Req) => Promise<{ json: object; csv: () => string }>,
): Promise<void> {
  const { ReportParamError } = await import('./reports/params.js');
  let request: Req;
  try {
    request = await parse();
  } catch (err) {
    if (err instanceof ReportParamError) {
      process.stderr.write(`agentgate: ${err.message} (--${option(err.param)})\n`);
      process.exit(2);
    }
    fail(err);
  }
  await withDatabase(async (knex) => {
    const r = await make(knex, request);
    process.stdout.write(request.format === 'csv' ? r.csv() : `${JSON.stringify(r.json, null, 2)}\n`);
  });
}

report
  .command('pauses')
  .description('logged-in and paused time by agent, reason, queue or day (docs/supervisors.md, "Reports")')
  .requiredOption('--from <date>', 'first local day, YYYY-MM-DD')
  .option('--to <date>', 'last local day, inclusive (default: --from)')
  .option('--by <group>', 'agent, reason, queue, day, actor or pbx', 'agent')
  .option('--tz <zone>', "IANA time zone (default: TZ, or the system's)")
  .option('--csv', 'CSV instead of JSON')
  .action((opts: { from: string; to?: string; by: string; tz?: string; csv?: boolean }) =>
    printReport(
      async () => (await import('./reports/params.js')).parseReportRequest({ from: opts.from, to: opts.to, group: opts.by, tz: opts.tz, format: opts.csv ? 'csv' : 'json' }),
      (param) => (param === 'group' ? 'by' : param),
      async (knex, request) => {
        const { pauseReport } = await import('./reports/pauses.js');
        const { reportCsv } = await import('./reports/csv.js');
        const r = await pauseReport(knex, request);
        return { json: r, csv: () => reportCsv(r) };
      },
    ),
  );

report
  .command('breaks')
  .description('per agent and shift: rest and meal breaks and what falls short of the shift rules (docs/pauses.md, "Breaks")')
  .requiredOption('--from <date>', 'first local day, YYYY-MM-DD')
  .option('--to <date>', 'last local day, inclusive (default: --from)')
  .option('--agent <login>', "one agent's shifts")
  .option('--tz <zone>', "IANA time zone (default: TZ, or the system's)")
  .option('--csv', 'CSV instead of JSON')
  .action((opts: { from: string; to?: string; agent?: string; tz?: string; csv?: boolean }) =>
    printReport(
      async () => (await import('./breaks/report.js')).parseBreaksRequest({ from: opts.from, to: opts.to, agent: opts.agent, tz: opts.tz, format: opts.csv ? 'csv' : 'json' }),
      (param) => param,
      async (knex, request) => {
        const { breaksReport } = await import('./breaks/report.js');
        const { breaksCsv } = await import('./breaks/csv.js');
        const r = await breaksReport(knex, request);
        return { json: r, csv: () => breaksCsv(r) };
      },
    ),
  );

const keys = program.command('keys').description('API keys with roles: display, agent, supervisor, admin (docs/access.md)');

keys
  .command('create')
  .description('create a key and print it once, alone on the last line (only its hash is kept)')
  .requiredOption('--role <role>', 'display, agent, supervisor or admin')
  .requiredOption('--name <name>', 'a unique name: the actor key:<name> in the record')
  .option('--agent <login>', 'agent keys: the one agent it acts for')
  .option('--queues <q1,q2>', 'supervisor keys: the queues of its scope (default: every queue)')
  .option('--expires-days <n>', 'ends by itself after this many days')
  .option('--show-callers', 'display keys: show caller numbers')
  .action((opts: { role: string; name: string; agent?: string; queues?: string; expiresDays?: string; showCallers?: boolean }) =>
    withDatabase(async (knex) => {
      const { KeyError, createKey } = await import('./access/keys.js');
      await migrate(knex);
      const queues = opts.queues?.split(',').map((q) => q.trim()).filter((q) => q !== '');
      const days = opts.expiresDays === undefined ? undefined : /^\d+$/.test(opts.expiresDays) ? Number(opts.expiresDays) : NaN;
      try {
        const key = await createKey(knex, { name: opts.name, role: opts.role as 'admin', agent: opts.agent, queues, expiresDays: days, showCallers: opts.showCallers });
        process.stdout.write(`created ${opts.role} key "${opts.name}"; it is shown this once, keep it now:\n${key}\n`);
      } catch (err) {
        if (!(err instanceof KeyError)) throw err;
        process.stderr.write(`agentgate: ${err.message}\n`);
        process.exitCode = 2;
      }
    }),
  );

keys
  .command('list')
  .description('every key: name, role, scope, created, expires, last used, revoked (never the key)')
  .action(() =>
    withDatabase(async (knex) => {
      const { listKeys } = await import('./access/keys.js');
      await migrate(knex);
      const rows = await listKeys(knex);
      const head = ['name', 'role', 'scope', 'created', 'expires', 'last used', 'revoked'];
      const cells = rows.map((r) => [r.name, r.role, r.scope, r.created, r.expires ?? '-', r.last_used ?? 'never', r.revoked ?? '-']);
      const width = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
      const line = (c: string[]) => c.map((x, i) => x.padEnd(width[i] as number)).join('  ').trimEnd();
      process.stdout.write(rows.length ? `${[head, ...cells].map(line).join('\n')}\n` : 'no keys yet: agentgate keys create --role … --name …\n');
    }),
  );

keys
  .command('revoke')
  .description('end a key at once, on every instance (within 1 s)')
  .argument('<name>', 'the key\'s name')
  .action((name: string) =>
    withDatabase(async (knex) => {
      const { revokeKey } = await import('./access/keys.js');
      await migrate(knex);
      if (await revokeKey(knex, name)) process.stdout.write(`revoked key "${name}"\n`);
      else {
        process.stderr.write(`agentgate: no key named "${name}" is in use (agentgate keys list shows them)\n`);
        process.exitCode = 2;
      }
    }),
  );

program
  .command('doctor')
  .description('check this host: database, AMI login and classes, dialplan, queues and extensions, FastAGI, prompts; each provisioned PBX over its own AMI, under its name; says what to fix')
  .option('--sounds <dir>', "Asterisk's sounds folder, when Asterisk runs on this machine (default /var/lib/asterisk/sounds)")
  .action(async (opts: { sounds?: string }) => {
    try {
      const { runDoctor } = await import('./doctor/run.js');
      const { formatFindings } = await import('./doctor/report.js');
      const findings = await runDoctor(loadConfig(), { sounds: opts.sounds });
      process.stdout.write(formatFindings(findings));
      process.exitCode = findings.some((f) => f.status === 'fail') ? 1 : 0;
    } catch (err) {
      fail(err);
    }
  });

program
  .command('demo')
  .description('embedded database + a built-in simulated Asterisk + demo data, then serve')
  .option('--pbxes <n>', 'simulated Asterisk servers, 1 to 4, the demo team spread over them (docs/several-pbxs.md)', '1')
  .action(async (opts: { pbxes: string }) => {
    const n = Number(opts.pbxes);
    if (!Number.isInteger(n) || n < 1 || n > 4) {
      process.stderr.write(`agentgate: --pbxes must be a whole number from 1 to 4, got ${JSON.stringify(opts.pbxes)}\n`);
      process.exit(2);
    }
    const { runDemo } = await import('./demo.js');
    await runDemo({ pbxes: n }).catch(fail);
  });

program
  .command('prompts')
  .description('voice prompts')
  .command('install')
  .argument('[dir]', "Asterisk's sounds folder", '/var/lib/asterisk/sounds')
  .option('--dry-run', 'print what would be written, write nothing')
  .description("copy the shipped prompts (pt_BR, en) into Asterisk's sounds folder; run it on the Asterisk host")
  .action(async (dir: string, opts: { dryRun?: boolean }) => {
    try {
      const { installPrompts } = await import('./agi/prompts-install.js');
      const files = await installPrompts(dir, undefined, { dryRun: Boolean(opts.dryRun) });
      const folders = new Map<string, number>();
      for (const f of files) folders.set(dirname(f), (folders.get(dirname(f)) ?? 0) + 1);
      const verb = opts.dryRun ? 'would write' : 'wrote';
      const lines = [...folders].map(([folder, n]) => `  ${folder}/ (${n} files)`);
      process.stdout.write(
        `${opts.dryRun ? 'dry run: nothing written. ' : ''}Prompts are read by Asterisk, so this must run on the Asterisk host.\n` +
          `${verb} ${files.length} prompt files:\n${lines.join('\n')}\n`,
      );
    } catch (err) {
      fail(err);
    }
  });

await program.parseAsync(process.argv);

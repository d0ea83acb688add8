import type { Config } from './config.js';
import { createLogger, flushLogs } from './log.js';
import { type Service, startService } from './service.js';

/**
 * `agentgate serve`: the only place with process-wide side effects (signals, exit code).
 * SIGTERM/SIGINT stop accepting, let in-flight commands finish (bounded), log off AMI, close the
 * database and exit 0. A second signal ends the process at once (an operator pressing Ctrl-C again
 * means it).
 */
export async function runServe(config: Config, prepare?: (svc: Service) => Promise<void>, opts: { demo?: boolean } = {}): Promise<void> {
  const log = createLogger(config.LOG_LEVEL);
  // Handlers first: a signal during start-up (the embedded database takes seconds) must still stop us.
  let svc: Service | undefined;
  let requested: string | undefined;
  let stopping = false;
  let forced: NodeJS.Timeout | undefined;
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  try {
    svc = await startService(config, log, opts);
    if (prepare) await prepare(svc);
  } catch (err) {
    log.error({ err: (err as Error).message }, 'could not start');
    flushLogs(log);
    throw err;
  }
  if (requested) {
    const signal = requested;
    requested = undefined;
    stop(signal);
  }

  function stop(signal: string): void {
    if (requested || stopping) {
      // the line is queued, never waited for: nothing may hold this exit back
      log.warn({ signal }, `second ${signal}: exiting now, without waiting for what is under way`);
      process.exit(1);
    }
    if (!svc) {
      requested = signal;
      log.info({ signal }, 'stopping once started');
      // a start that never ends (a migration lock never granted, a database that went away) must not keep us
      backstop();
      return;
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    backstop();
    const exit = (code: number) => {
      try {
        flushLogs(log);
      } catch {
        // stdout is gone (its reader died): the exit must not wait for it or fail on it
      }
      process.exit(code);
    };
    svc.close().then(
      () => {
        log.info('stopped');
        exit(0);
      },
      (err: Error) => {
        log.error({ err: err.message }, 'shutdown failed');
        exit(1);
      },
    );
  }

  /** Armed at the first signal; depends on nothing (no log flush, no socket): a stuck stdout cannot keep us alive. */
  function backstop(): void {
    if (forced) return;
    forced = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.SHUTDOWN_GRACE_MS + 5000);
    forced.unref();
  }
}

import type { Config } from './config.js';
import { createLogger, flushLogs } from './log.js';
import { type Service, startService } from './service.js';

/**
 * `agentgate serve`: the only place with process-wide side effects (signals, exit code).
 * SIGTERM/SIGINT stop accepting, let in-flight commands finish (bounded), log off AMI, close the
 * database and exit 0.
 */
export async function runServe(config: Config, prepare?: (svc: Service) => Promise<void>): Promise<void> {
  const log = createLogger(config.LOG_LEVEL);
  // Handlers first: a signal during start-up (the embedded database takes seconds) must still stop us.
  let svc: Service | undefined;
  let requested: string | undefined;
  let stopping = false;
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  try {
    svc = await startService(config, log);
    if (prepare) await prepare(svc);
  } catch (err) {
    log.error({ err: (err as Error).message }, 'could not start');
    flushLogs(log);
    throw err;
  }
  if (requested) stop(requested);

  function stop(signal: string): void {
    if (!svc) {
      requested = signal;
      log.info({ signal }, 'stopping once started');
      return;
    }
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const exit = (code: number) => {
      flushLogs(log);
      process.exit(code);
    };
    const force = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      exit(1);
    }, config.SHUTDOWN_GRACE_MS + 5000);
    force.unref();
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
}

import { pino, type Logger } from 'pino';

/** Secrets never reach the log, whatever object carries them. */
const REDACT = [
  'secret',
  'Secret',
  'pin',
  'token',
  'password',
  '*.secret',
  '*.Secret',
  '*.pin',
  '*.token',
  '*.password',
  'req.headers.authorization',
  'config.AMI_SECRET',
  'config.API_TOKENS',
  'config.DATABASE_URL',
];

/**
 * JSON lines on stdout. Writes are asynchronous (lines that arrive while one is being written go out
 * together), so a busy service does not make one system call per line; `flush` before exiting.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const dest = destination ?? pino.destination({ dest: 1, sync: false });
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' }, base: { service: 'agentgate' } }, dest as pino.DestinationStream);
}

/** Writes out what is still buffered; call before process.exit. */
export function flushLogs(log: Logger): void {
  try {
    log.flush();
    const stream = (log as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as { flushSync?: () => void } | undefined;
    stream?.flushSync?.();
  } catch {
    // nothing more can be done for logs at exit
  }
}

export type { Logger };

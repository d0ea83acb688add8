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

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' }, base: { service: 'agentgate' } }, destination as pino.DestinationStream);
}

export type { Logger };

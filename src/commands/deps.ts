import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Pbx, SentAction } from '../ami/pbx.js';

export interface Deps {
  db: Knex;
  pbx: Pbx;
  log: Logger;
  /** `PJSIP/{exten}` unless an extension row names its own interface. */
  memberInterface: string;
  /** Told when Asterisk could not be put back after a failure: only a resync can settle it. */
  onUncertain?: (sent: SentAction) => void;
}

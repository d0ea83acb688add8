import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Pbx, SentAction } from '../ami/pbx.js';

export interface Deps {
  db: Knex;
  pbx: Pbx;
  log: Logger;
  /** `PJSIP/{exten}` unless an extension row names its own interface. */
  memberInterface: string;
  /** Told when an AMI action may or may not have been applied: only a resync can say which. */
  onUncertain?: (sent: SentAction) => void;
}

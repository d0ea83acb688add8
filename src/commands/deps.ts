import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { PbxSet } from '../ami/pbxes.js';
import type { CallView } from '../calls/board.js';
import type { Lamps } from '../lamps/lamps.js';
import type { Claims } from './claims.js';

export interface Deps {
  db: Knex;
  /** Every PBX's connection, and which PBX holds each queue and extension (CONTRACT §9). */
  pbxes: PbxSet;
  log: Logger;
  /** `PJSIP/{exten}` unless an extension row names its own interface. */
  memberInterface: string;
  claims: Claims;
  /** The phones' lamps: every committed change of an agent shows on its extension's lamp. */
  lamps: Lamps;
  /** Told when an intent was left in doubt, so it is settled soon rather than at the next reconcile. */
  onInDoubt?: () => void;
  /** The queue calls this process sees (live state, src/calls/board.ts); none without it. */
  calls?: CallView;
}

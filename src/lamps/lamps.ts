import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { type Pbx, PbxRefused, PbxUnavailable } from '../ami/pbx.js';
import type { PbxSet } from '../ami/pbxes.js';
import { DEFAULT_PBX } from '../provision/pbxes.js';
import type { Change } from '../commands/intents.js';
import type { SessionRow } from '../commands/store.js';
import { lampsInRecord } from './record.js';
import { type LampState, lampAfter, lampDevice, lampOf } from './state.js';

export interface LampSweep {
  /** Lamps read from Asterisk. */
  checked: number;
  /** Lamps that differed from the record and were set. */
  set: number;
  /** Refused by Asterisk (e.g. `Permission denied`: the AMI user lacks `write = call`); the sweep stops at the first. */
  refused: string | undefined;
}

/**
 * How many lamps a sweep reads or sets at once on the AMI connection: enough to keep Asterisk busy
 * (10,000 lamps read in well under a second), few enough that a command's action waits behind at
 * most that many.
 */
const IN_FLIGHT = 32;

/**
 * The phones' lamps (`Custom:agentgate-<exten>`) follow the record.
 *
 * After every settle that committed, whatever its source, the extension's lamp is sent: after the
 * commit, and not awaited, so a lamp never fails or delays a command (a failure is logged; the next
 * reconcile repairs it). Sends leave in the order the settles committed in this process, on the
 * extension's PBX's one AMI connection (CONTRACT §9), so Asterisk applies them in that order. Each
 * PBX's resync and reconcile `sweep` every lamp of its extensions: read from Asterisk, compared
 * with the record, set where they differ.
 */
export class Lamps {
  /** Bumped at each lamp a settle sends, so a sweep that read the record before leaves that lamp alone. */
  private seq = 0;
  private readonly sentAt = new Map<string, number>();
  /** The last failure's message while lamps fail, so a broken setup logs once rather than at every command. */
  private failing: string | undefined;

  constructor(
    private readonly pbxes: PbxSet,
    private readonly log: Logger,
  ) {}

  /** The PBX that holds the extension, as provisioning says. */
  private pbxName(exten: string): string {
    return this.pbxes.extenPbx(exten) ?? DEFAULT_PBX;
  }

  private pbxOf(exten: string): Pbx {
    const name = this.pbxName(exten);
    const pbx = this.pbxes.get(name);
    if (!pbx) throw new PbxUnavailable(`PBX ${name} is not provisioned`, false);
    return pbx;
  }

  /**
   * A settle over `before` (the session its claim read) committed `change`: the extension's lamp
   * follows when what it shows changed (a second queue joined, or a member the resync put back,
   * leaves it as it was; a lamp that is wrong anyway is the sweep's).
   */
  settled(before: SessionRow | undefined, change: Change): void {
    const lamp = lampAfter(before, change);
    if (!lamp || (before && lamp.state === lampOf(before.queues))) return;
    this.sentAt.set(lamp.exten, ++this.seq);
    let pbx: Pbx;
    try {
      pbx = this.pbxOf(lamp.exten);
    } catch (err) {
      return this.failed(err as Error, { exten: lamp.exten, state: lamp.state });
    }
    pbx.setDeviceState(lampDevice(lamp.exten), lamp.state).then(
      () => this.ok(),
      (err: Error) => this.failed(err, { exten: lamp.exten, state: lamp.state }),
    );
  }

  /**
   * Makes every provisioned extension's lamp (of PBX `pbx`, default: every PBX's) say what the
   * record says: each is read (Getvar) and
   * only those that differ are set, from a second look at the record (a command may have moved on
   * meanwhile). `keepLease` is called as it goes (the resync's lease). A lost AMI connection ends it
   * with an error; a refusal (the same for every lamp) ends it with `refused`.
   */
  async sweep(db: Knex, keepLease: () => Promise<void> = async () => undefined, pbx?: string): Promise<LampSweep> {
    const start = this.seq;
    const sentSince = (exten: string) => (this.sentAt.get(exten) ?? 0) > start;
    const report: LampSweep = { checked: 0, set: 0, refused: undefined };
    const want = await lampsInRecord(db, undefined, pbx);
    const extens = [...want.keys()].filter((exten) => pbx === undefined || this.pbxName(exten) === pbx);
    const differ: string[] = [];
    await this.each(extens, report, async (exten) => {
      if (sentSince(exten)) return;
      const now = await this.pbxOf(exten).getDeviceState(lampDevice(exten));
      report.checked += 1;
      if (now !== want.get(exten)) differ.push(exten);
    }, keepLease);
    if (differ.length > 0 && !report.refused) {
      const fresh = await lampsInRecord(db, differ);
      await this.each(differ, report, async (exten) => {
        const state = fresh.get(exten);
        if (!state || sentSince(exten)) return;
        await this.pbxOf(exten).setDeviceState(lampDevice(exten), state);
        report.set += 1;
      }, keepLease);
    }
    if (report.refused) this.failed(new PbxRefused('Getvar', report.refused), { sweep: true });
    else if (report.set > 0) this.ok();
    return report;
  }

  /** Runs `fn` over `extens`, IN_FLIGHT at a time; a refusal stops it (recorded in the report), anything else stops it and is thrown. */
  private async each(extens: string[], report: LampSweep, fn: (exten: string) => Promise<void>, keepLease: () => Promise<void>): Promise<void> {
    let next = 0;
    let broken: unknown;
    const worker = async () => {
      while (next < extens.length && !report.refused && broken === undefined) {
        const exten = extens[next++] as string;
        try {
          if (next % 256 === 0) await keepLease();
          await fn(exten);
        } catch (err) {
          if (err instanceof PbxRefused) report.refused ??= err.message;
          else broken ??= err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, extens.length) }, worker));
    if (broken !== undefined) throw broken;
  }

  private ok(): void {
    if (this.failing === undefined) return;
    this.failing = undefined;
    this.log.info('phone lamps are set again');
  }

  private failed(err: Error, what: { exten?: string; state?: LampState; sweep?: boolean }): void {
    if (this.failing === err.message) return;
    this.failing = err.message;
    this.log.warn({ ...what, err: err.message }, 'could not set a phone lamp; the next reconcile sets it (Setvar and Getvar need the AMI write class call)');
  }
}

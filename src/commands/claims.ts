import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Knex } from 'knex';
import { Batcher } from './batch.js';
import { isDatabaseDown } from './errors.js';
import { type ClaimAnswer, type ClaimItem, type ClaimSpec, claimMany } from './intents.js';
import { type SettleItem, settleMany } from './settle.js';

/**
 * How many claim (and settle) statements of this process run at once, and how many commands one
 * carries at most. While one runs, the others wait here, together, for the next: under load a
 * single connection carries the claims (and one the settles) instead of each command queueing for
 * one of the pool's. One at a time measured best at every load of the bench (8 to 128 clients:
 * ×1.04 to ×3.3 of the floor, against ×0.87 to ×2.4 with four); no claim waits on Asterisk, and one
 * waits on another's row only for the length of that one's statement.
 */
const IN_FLIGHT = 1;
const PER_STATEMENT = 100;

/**
 * This process's side of the in-doubt registry: its holder name in `intents`, the AMI timeout its
 * deadlines are built from, one command at a time per agent (so commands that would only wait on
 * each other's claim in Postgres wait here instead), and the member interfaces whose intent it
 * holds right now: an Asterisk event on one of those is the echo of our own action, which the
 * action's settle records.
 */
export class Claims {
  readonly holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly chains = new Map<string, Promise<void>>();
  private readonly held = new Map<string, number>();

  /** Per database handle (a test may give one process's commands another path to Postgres). */
  private readonly batchers = new WeakMap<Knex, { claim: Batcher<ClaimItem, ClaimAnswer>; settle: Batcher<SettleItem, boolean> }>();

  constructor(readonly timeoutMs: number) {}

  /** Claims the agent of `spec` (a statement shared with the other claims waiting at this moment). */
  claim(db: Knex, template: string, spec: ClaimSpec): Promise<ClaimAnswer> {
    return this.batches(db).claim.submit({ spec, template });
  }

  /** Settles an intent of this holder's (a statement shared with the other settles waiting now). */
  settle(db: Knex, item: Omit<SettleItem, 'holder'>): Promise<boolean> {
    return this.batches(db).settle.submit({ ...item, holder: this.holder });
  }

  private batches(db: Knex) {
    let b = this.batchers.get(db);
    if (!b) {
      const alone = (e: unknown) => !isDatabaseDown(e);
      b = {
        // in the agents' order: two instances' statements take the agents' rows in the same order
        claim: new Batcher((items) => claimMany(db, this.holder, this.timeoutMs, items), IN_FLIGHT, PER_STATEMENT, alone, (i) => i.spec.agent),
        settle: new Batcher((items) => settleMany(db, items), IN_FLIGHT, PER_STATEMENT, alone),
      };
      this.batchers.set(db, b);
    }
    return b;
  }

  serial<T>(agent: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.chains.get(agent) ?? Promise.resolve()).then(fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.chains.set(agent, tail);
    void tail.then(() => {
      if (this.chains.get(agent) === tail) this.chains.delete(agent);
    });
    return run;
  }

  hold(iface: string): void {
    this.held.set(iface, (this.held.get(iface) ?? 0) + 1);
  }

  unhold(iface: string): void {
    const n = (this.held.get(iface) ?? 1) - 1;
    if (n <= 0) this.held.delete(iface);
    else this.held.set(iface, n);
  }

  holds(iface: string): boolean {
    return this.held.has(iface);
  }
}

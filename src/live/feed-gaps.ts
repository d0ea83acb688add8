import type { Logger } from 'pino';

interface Gap {
  seen: number;
  /** Every transaction below this xid could have written it; once all are over, it never will. */
  fence?: bigint;
}

/**
 * The event ids the feed has not read yet though a later one is there. Ids are taken at insert but
 * transactions commit in any order, so a missing id may still appear; delivery waits at the first
 * one until it appears or is known never to: every transaction that could hold it (those below the
 * snapshot's xmax, read a little after the gap was seen) has ended — committed rows are then visible
 * to the same statement that reads the snapshot — or, for a transaction kept open, after `maxMs`.
 */
export class Gaps {
  private readonly gaps = new Map<number, Gap>();

  constructor(private readonly o: { fenceMs: number; maxMs: number; log: Logger }) {}

  get size(): number {
    return this.gaps.size;
  }

  has(id: number): boolean {
    return this.gaps.has(id);
  }

  /** As Postgres' bigint[] literal, for the statement that looks for them again. */
  asArray(): string {
    return `{${[...this.gaps.keys()].join(',')}}`;
  }

  clear(): void {
    this.gaps.clear();
  }

  /** `id` was read: it is no longer missing. */
  found(id: number): void {
    this.gaps.delete(id);
  }

  /** Ids after `top` and before `id` (just read) are missing. */
  between(top: number, id: number, now: number): void {
    // (a jump of thousands is a sequence moved by hand, not transactions in flight)
    if (id - top > 10_000) return;
    for (let missing = top + 1; missing < id; missing++) this.gaps.set(missing, { seen: now });
  }

  /** After a read with the snapshot's `xmin` and `xmax`: gives up the ids that will never come. */
  settle(xmin: bigint, xmax: bigint, now: number): void {
    for (const [id, gap] of this.gaps) {
      if (gap.fence !== undefined && xmin >= gap.fence) this.gaps.delete(id);
      else if (now - gap.seen >= this.o.maxMs) {
        this.gaps.delete(id);
        this.o.log.warn({ id }, 'feed: an event id stayed missing; its transaction is still open or it was never written');
      } else if (gap.fence === undefined && now - gap.seen >= this.o.fenceMs) gap.fence = xmax;
    }
  }
}

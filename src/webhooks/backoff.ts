export interface Backoff {
  /** The wait after the first failed attempt; each further failure doubles it. */
  firstMs: number;
  /** The longest wait between two attempts. */
  maxMs: number;
  /** A delivery still failing this long after its event is given up (`failed`). */
  giveUpMs: number;
}

/** 5 s, 10 s, 20 s … 30 min, 30 min …, until 24 h after the event: about 56 attempts. */
export const DEFAULT_BACKOFF: Backoff = { firstMs: 5_000, maxMs: 30 * 60_000, giveUpMs: 24 * 3600_000 };

/** The wait after `attempts` failed attempts (1 = the first failed). */
export function retryDelayMs(b: Backoff, attempts: number): number {
  return Math.min(b.maxMs, b.firstMs * 2 ** Math.min(Math.max(0, attempts - 1), 40));
}

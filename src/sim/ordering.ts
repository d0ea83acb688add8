/**
 * Iteration order matches Asterisk's: queues live in a 53-bucket ao2 hash keyed by
 * ast_str_case_hash(name), members in a 37-bucket hash keyed by app_queue's member_hash_fn; both are
 * walked bucket by bucket, which is why QueueStatus lists "support" before "sales" and member
 * Local/2002@... before Local/2001@... in the captures.
 */

export const QUEUE_BUCKETS = 53; // app_queue.c MAX_QUEUE_BUCKETS
export const MEMBER_BUCKETS = 37; // app_queue.c: members container of a non-linear queue

/** strings.h ast_str_case_hash() (unsigned djb2 on the lower-cased string, restricted to INT_MAX). */
export function strCaseHash(s: string): number {
  let h = 5381;
  for (const ch of s.toLowerCase()) h = (Math.imul(h, 33) ^ (ch.charCodeAt(0) & 0xff)) >>> 0;
  return h & 0x7fffffff;
}

/** app_queue.c member_hash_fn(): the 5 characters from the first '/', compressed to 6 bits each. */
export function memberHash(iface: string): number {
  const slash = iface.indexOf('/');
  const s = slash < 0 ? iface : iface.slice(slash);
  let ret = 0;
  for (let i = 0; i < 5 && i < s.length; i++) {
    const c = s.charCodeAt(i) & 0xff;
    const cc = c < 32 ? 0 : c > 96 ? c - 64 : c - 32;
    ret = (ret + (cc << (i * 6))) | 0;
  }
  return Math.abs(ret);
}

/** ao2 hash container iteration: bucket by bucket, insertion order within a bucket. */
export function bucketOrder<T extends { seq: number }>(items: T[], bucket: (item: T) => number): T[] {
  return items
    .map((item) => ({ item, b: bucket(item) }))
    .sort((x, y) => x.b - y.b || x.item.seq - y.item.seq)
    .map((x) => x.item);
}

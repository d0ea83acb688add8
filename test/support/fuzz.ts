import { OUTCOMES } from '../../src/commands/outcomes.js';
import { HTTP_ANSWERS } from '../../src/http/answers.js';

/** A small seeded generator (mulberry32): a failing case can be replayed from its seed. */
export function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const chance = (p: number) => next() < p;
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
  return { next, int, pick, chance, bytes };
}
export type Random = ReturnType<typeof random>;

/** Every message the service may put in `error` or `success`, and the prefix of Asterisk refusals. */
export const CONTRACT_MESSAGES: ReadonlySet<string> = new Set([
  ...Object.values(OUTCOMES).map((o) => o.message),
  ...Object.values(HTTP_ANSWERS).map((a) => ('error' in a.body ? a.body.error : a.body.success)),
]);

export function inContract(message: unknown): boolean {
  return typeof message === 'string' && (CONTRACT_MESSAGES.has(message) || message.startsWith('PBX error: '));
}

/** Values a caller might send: ordinary, hostile, or broken. */
export function fuzzValue(r: Random): string {
  return r.pick([
    () => r.pick(['login', 'logoff', 'pause', 'unpause', 'status', 'dance', '', ' ']),
    () => r.pick(['1001', '1002', '1003', '1004', '9999', '01001', '-1', '1e3']),
    () => r.pick(['2001', '2004', '2009', '20a1', '']),
    () => r.pick(['support', 'sales', 'billing', '100', 'nosuch']),
    () => r.pick(['Almoco', '1', 'a|b', 'lunch\r\nAction: Logoff', 'x'.repeat(65), 'Reunião', '\u0000', '%', '%ZZ', '%FF%FE']),
    () => encodeURIComponent(r.bytes(r.int(12)).toString('latin1')),
    () => 'y'.repeat(r.pick([256, 257, 5000])),
  ])();
}

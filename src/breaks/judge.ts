import type { BreakKind, ShiftRules } from './rules.js';
import type { BreakSpan, Shift } from './shifts.js';

/** What falls short (CONTRACT §10). */
export const PROBLEMS = ['missing', 'too_short', 'too_early', 'too_late'] as const;
export type Problem = (typeof PROBLEMS)[number];

export interface JudgedBreak extends BreakSpan {
  problems: Problem[];
}

export interface Shortfall {
  break: BreakKind;
  problem: Problem;
  /** The break it is about; null for one that is missing. */
  at: number | null;
}

export interface Judged {
  /** Logged-in time less meal breaks: the work the law counts. */
  workedMs: number;
  restRequired: number;
  mealRequired: number;
  rests: JudgedBreak[];
  meals: JudgedBreak[];
  shortfalls: Shortfall[];
}

const MINUTE = 60_000;
const NONE: Problem[] = Object.freeze([]) as unknown as Problem[];

/**
 * One shift against the rules (docs/pauses.md, "Breaks"):
 * - rest breaks needed: none when the shift has no room for one between its first and last
 *   `not_in_*` minutes of work, `short_day_rest_breaks` up to `short_day_minutes` of work, else
 *   `rest_breaks`; each must last `rest_minutes` in one piece, begin after the first
 *   `not_in_first_minutes` and end before the last `not_in_last_minutes` of the shift;
 * - a meal break is needed past `meal_over_minutes` of work, and lasts `meal_minutes`;
 * - a shift still going is not judged on what may still come: nothing is missing yet, a break
 *   still going is not too short, and nothing is too late.
 */
export function judgeShift(shift: Shift, rules: ShiftRules): Judged {
  let mealMs = 0;
  for (const b of shift.breaks) if (b.kind === 'meal') mealMs += b.end - b.start;
  const workedMs = shift.loggedInMs - mealMs;
  const room = workedMs > (rules.not_in_first_minutes + rules.not_in_last_minutes) * MINUTE;
  const restRequired = !room ? 0 : workedMs <= rules.short_day_minutes * MINUTE ? rules.short_day_rest_breaks : rules.rest_breaks;
  const mealRequired = workedMs > rules.meal_over_minutes * MINUTE ? 1 : 0;
  const rests: JudgedBreak[] = [];
  const meals: JudgedBreak[] = [];
  const shortfalls: Shortfall[] = [];
  // the breaks come in time order: so do their shortfalls
  for (const b of shift.breaks) {
    const min = b.kind === 'rest' ? rules.rest_minutes : rules.meal_minutes;
    const short = !b.open && b.end - b.start < min * MINUTE;
    const early = b.kind === 'rest' && b.start < shift.start + rules.not_in_first_minutes * MINUTE;
    const late = b.kind === 'rest' && !shift.inProgress && b.end > shift.end - rules.not_in_last_minutes * MINUTE;
    // most breaks are fine: they share one empty list
    const problems: Problem[] = short || early || late ? [] : NONE;
    if (short) problems.push('too_short');
    if (early) problems.push('too_early');
    if (late) problems.push('too_late');
    // the shift's own break takes its problems: a month's report judges a hundred thousand, no copies
    const judged = b as JudgedBreak;
    judged.problems = problems;
    (b.kind === 'rest' ? rests : meals).push(judged);
    for (const problem of problems) shortfalls.push({ break: b.kind, problem, at: b.start });
  }
  if (!shift.inProgress) {
    for (let n = rests.length; n < restRequired; n++) shortfalls.push({ break: 'rest', problem: 'missing', at: null });
    if (meals.length < mealRequired) shortfalls.push({ break: 'meal', problem: 'missing', at: null });
  }
  return { workedMs, restRequired, mealRequired, rests, meals, shortfalls };
}

/**
 * When the next rest break is due on a shift still going (the wallboard's mark): `rest_due_every_minutes`
 * after the shift began or the last whole rest break ended, and not within its first
 * `not_in_first_minutes`; null once the day's rest breaks are taken, or while on a break.
 */
export function restDueAt(shift: Shift, rules: ShiftRules): number | null {
  const last = shift.breaks[shift.breaks.length - 1];
  if (last?.open) return null;
  const whole = shift.breaks.filter((b) => b.kind === 'rest' && b.end - b.start >= rules.rest_minutes * MINUTE);
  if (whole.length >= rules.rest_breaks) return null;
  const from = whole.length > 0 ? whole[whole.length - 1]!.end : shift.start;
  return Math.max(from + rules.rest_due_every_minutes * MINUTE, shift.start + rules.not_in_first_minutes * MINUTE);
}


import type { Knex } from 'knex';
import { z } from 'zod';
import { fromJson } from '../db/json.js';

/**
 * The numbers the breaks report judges a shift by (docs/pauses.md, "Breaks"). The defaults are
 * Brazil's NR-17 Annex II for telemarketing (item numbers of its 2007 text, Portaria SIT nº 9) and
 * the CLT articles it leans on; the last one is agentgate's own.
 */
export const DEFAULT_SHIFT_RULES = {
  /** 5.4.1 b: two rest breaks… */
  rest_breaks: 2,
  /** 5.4.1 b: …of 10 continuous minutes each. */
  rest_minutes: 10,
  /** 5.4.1 c: after the first 60 minutes of work… */
  not_in_first_minutes: 60,
  /** 5.4.1 c: …and before the last 60. */
  not_in_last_minutes: 60,
  /** 5.4.3: a day of up to 4 hours of work… */
  short_day_minutes: 240,
  /** 5.4.3: …has one rest break. */
  short_day_rest_breaks: 1,
  /** 5.4.2: the meal break is 20 minutes. */
  meal_minutes: 20,
  /** CLT art. 71 §1: a day of more than 4 hours of work has a meal break. */
  meal_over_minutes: 240,
  /** CLT art. 66: 11 hours between two working days; a shorter gap logged off is within one shift. */
  new_shift_after_minutes: 660,
  /** agentgate's own: the wallboard marks a rest break due this long after the shift began or the last rest break ended. */
  rest_due_every_minutes: 120,
} as const;

export type ShiftRules = { -readonly [K in keyof typeof DEFAULT_SHIFT_RULES]: number };

const MAX_MINUTES = 1440;
const count = (field: string) =>
  z
    .number({ error: `${field} must be a whole number, 0 to 10` })
    .int(`${field} must be a whole number, 0 to 10`)
    .min(0, `${field} must be a whole number, 0 to 10`)
    .max(10, `${field} must be a whole number, 0 to 10`);
const minutes = (field: string) =>
  z
    .number({ error: `${field} must be a whole number of minutes, 0 to ${MAX_MINUTES}` })
    .int(`${field} must be a whole number of minutes, 0 to ${MAX_MINUTES}`)
    .min(0, `${field} must be a whole number of minutes, 0 to ${MAX_MINUTES}`)
    .max(MAX_MINUTES, `${field} must be a whole number of minutes, 0 to ${MAX_MINUTES}`);

/** `shift_rules:` in a provisioning file: any number left out keeps its default. */
export const shiftRulesSchema = z
  .strictObject({
    rest_breaks: count('rest_breaks').default(DEFAULT_SHIFT_RULES.rest_breaks),
    rest_minutes: minutes('rest_minutes').default(DEFAULT_SHIFT_RULES.rest_minutes),
    not_in_first_minutes: minutes('not_in_first_minutes').default(DEFAULT_SHIFT_RULES.not_in_first_minutes),
    not_in_last_minutes: minutes('not_in_last_minutes').default(DEFAULT_SHIFT_RULES.not_in_last_minutes),
    short_day_minutes: minutes('short_day_minutes').default(DEFAULT_SHIFT_RULES.short_day_minutes),
    short_day_rest_breaks: count('short_day_rest_breaks').default(DEFAULT_SHIFT_RULES.short_day_rest_breaks),
    meal_minutes: minutes('meal_minutes').default(DEFAULT_SHIFT_RULES.meal_minutes),
    meal_over_minutes: minutes('meal_over_minutes').default(DEFAULT_SHIFT_RULES.meal_over_minutes),
    new_shift_after_minutes: minutes('new_shift_after_minutes').pipe(z.number().min(1, 'new_shift_after_minutes must be at least 1')).default(DEFAULT_SHIFT_RULES.new_shift_after_minutes),
    rest_due_every_minutes: minutes('rest_due_every_minutes').pipe(z.number().min(1, 'rest_due_every_minutes must be at least 1')).default(DEFAULT_SHIFT_RULES.rest_due_every_minutes),
  })
  .superRefine((r, ctx) => {
    if (r.short_day_rest_breaks > r.rest_breaks) {
      ctx.addIssue({ code: 'custom', path: ['short_day_rest_breaks'], message: 'short_day_rest_breaks must not be more than rest_breaks' });
    }
  });

/** The rules in force: the provisioned ones, else the defaults. */
export async function readShiftRules(db: Knex): Promise<ShiftRules> {
  const row: { rules: unknown } | undefined = await db('shift_rules').select('rules').first();
  const stored = row ? fromJson<Partial<ShiftRules>>(row.rules) : {};
  // a row written by an older version may lack a number added since: its default fills it
  return { ...DEFAULT_SHIFT_RULES, ...stored };
}

/** The reasons provisioned as breaks, by lower-case name (the record keeps a reason as it was given). */
export async function readBreakReasons(db: Knex): Promise<Map<string, BreakKind>> {
  const rows: Array<{ name: string; break: BreakKind }> = await db('pause_reasons').select('name', 'break').whereNotNull('break');
  return new Map(rows.map((r) => [r.name.toLowerCase(), r.break]));
}

export const BREAK_KINDS = ['rest', 'meal'] as const;
export type BreakKind = (typeof BREAK_KINDS)[number];

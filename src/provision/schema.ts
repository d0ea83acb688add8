import { z } from 'zod';
import { PROMPT_LANGUAGES } from '../agi/prompts.js';
import { BREAK_KINDS, shiftRulesSchema } from '../breaks/rules.js';
import { parseAllowList } from '../config.js';

const digits = (what: string, secret = false) =>
  z.union([z.string(), z.number().int().nonnegative()]).transform((v, ctx) => {
    const s = String(v).trim();
    if (!/^[0-9]{1,20}$/.test(s)) {
      // a PIN is never echoed back, even a malformed one
      ctx.addIssue({ code: 'custom', message: `${what} must be digits only${secret ? '' : `, got ${JSON.stringify(v)}`}` });
      return z.NEVER;
    }
    return s;
  });

/** A name agentgate keeps (an agent's login, a queue, a PBX): letters, digits and _ . @ -, 1 to 64. */
export const NAME_PATTERN = /^[A-Za-z0-9_.@-]{1,64}$/;

const name = (what: string) =>
  z
    .union([z.string(), z.number()])
    .transform((v) => String(v).trim())
    .pipe(z.string().regex(NAME_PATTERN, `${what} may use letters, digits and _ . @ - (1 to 64 characters)`));

/**
 * A member name or a pause reason: one line, and no `|`, which separates the fields of Asterisk's
 * queue_log (a member's name and a pause reason are fields of it).
 */
const label = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^[^\r\n\0]*$/, 'must be one line')
    .regex(/^[^|]*$/, 'must not contain "|" (it separates the fields of Asterisk\'s queue_log)');

const iface = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9]+\/[^\s,|]{1,120}$/, 'must look like TECH/resource, e.g. PJSIP/2001 or Local/2001@from-queue/n');

/** The prompts' language: only those shipped, since Asterisk would play any other as English. */
const language = z.enum(PROMPT_LANGUAGES, {
  error: `language must be one of the shipped prompt languages: ${PROMPT_LANGUAGES.join(', ')} (Asterisk's sound folder names)`,
});

/** The event kinds a webhook may ask for. */
export const WEBHOOK_EVENTS = [
  'login',
  'logoff',
  'pause',
  'unpause',
  'pause_overdue',
  'pause_queued',
  'pause_cancelled',
  'pause_requested',
  'pause_approved',
  'pause_denied',
] as const;

/** A PBX (CONTRACT §9): where its AMI is, the variable holding its secret, the addresses its FastAGI comes from. */
const pbxSchema = z.strictObject({
  name: name('a PBX name'),
  ami: z.strictObject({
    host: z.string().trim().min(1, 'host must not be empty'),
    port: z.number().int().min(1).max(65535).default(5038),
    username: z.string().trim().min(1, 'username must not be empty'),
    secret_env: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'secret_env names an environment variable (the secret itself never goes in the file)'),
  }),
  agi_from: z
    .array(z.string().trim())
    .default([])
    .superRefine((cidrs, ctx) => {
      for (const c of cidrs) {
        try {
          parseAllowList(c);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
        }
      }
    }),
  // how a member on another PBX reaches this PBX's extensions: e.g. PJSIP/{exten}@trunk-b
  remote_interface: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9]+\/[^\s,|]{1,120}$/, 'must look like TECH/resource, e.g. PJSIP/{exten}@trunk-b')
    .refine((t) => t.includes('{exten}'), 'must contain {exten}')
    .optional(),
});

const webhookUrl = z
  .string()
  .trim()
  .max(2048, 'must be at most 2048 characters')
  .superRefine((v, ctx) => {
    const u = URL.canParse(v) ? new URL(v) : undefined;
    if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:') || u.hostname === '') {
      ctx.addIssue({ code: 'custom', message: 'must be an http:// or https:// URL' });
    } else if (u.username !== '' || u.password !== '') {
      ctx.addIssue({ code: 'custom', message: 'must not carry a user or password (the signature proves who sends)' });
    }
  });

export const fileSchema = z
  .object({
    pbxes: z.array(pbxSchema).default([]),
    queues: z
      .array(
        z.strictObject({
          name: name('a queue name'),
          number: digits('number').optional(),
          callcenter: z.boolean().default(true),
          pbx: name('a PBX name').optional(),
          // a floor (docs/pauses.md): a pause that would leave fewer available members is refused or queued
          min_available: z
            .number({ error: 'min_available must be a whole number of agents, 0 to 10000' })
            .int('min_available must be a whole number of agents, 0 to 10000')
            .min(0, 'min_available must be a whole number of agents, 0 to 10000')
            .max(10_000, 'min_available must be a whole number of agents, 0 to 10000')
            .optional(),
        }),
      )
      .default([]),
    extensions: z
      .array(
        z.strictObject({
          exten: digits('exten'),
          pbx: name('a PBX name').optional(),
          callcenter: z.boolean().default(true),
          interface: iface.optional(),
          state_interface: iface.optional(),
          language: language.optional(),
        }),
      )
      .default([]),
    agents: z
      .array(
        z.strictObject({
          agent: name('an agent login'),
          name: label(80).optional(),
          pin: digits('pin', true).pipe(z.string().min(4, 'pin must have 4 to 12 digits').max(12, 'pin must have 4 to 12 digits')).optional(),
          queues: z.array(name('a queue name')).default([]),
          language: language.optional(),
        }),
      )
      .default([]),
    pause_reasons: z
      .array(
        z
          .strictObject({
            code: z.number().int().min(0).max(999_999_999),
            name: label(64),
            // pause rules (docs/supervisors.md, "Pause rules")
            max_minutes: z
              .number({ error: 'max_minutes must be a whole number of minutes, 1 to 1440' })
              .int('max_minutes must be a whole number of minutes, 1 to 1440')
              .min(1, 'max_minutes must be a whole number of minutes, 1 to 1440')
              .max(1440, 'max_minutes must be a whole number of minutes, 1 to 1440')
              .optional(),
            productive: z.boolean({ error: 'productive must be true or false' }).default(false),
            on_overrun: z.enum(['alert', 'unpause'], { error: 'on_overrun must be alert or unpause' }).default('alert'),
            // reasons that need a yes (docs/pauses.md)
            approval: z.boolean({ error: 'approval must be true or false' }).default(false),
            approval_timeout_s: z
              .number({ error: 'approval_timeout_s must be a whole number of seconds, 1 to 86400' })
              .int('approval_timeout_s must be a whole number of seconds, 1 to 86400')
              .min(1, 'approval_timeout_s must be a whole number of seconds, 1 to 86400')
              .max(86_400, 'approval_timeout_s must be a whole number of seconds, 1 to 86400')
              .default(300),
            // the breaks the law requires (docs/pauses.md, "Breaks"): this reason counts as one
            break: z.enum(BREAK_KINDS, { error: 'break must be rest or meal' }).optional(),
          })
          .superRefine((r, ctx) => {
            if (r.on_overrun === 'unpause' && r.max_minutes === undefined) {
              ctx.addIssue({ code: 'custom', path: ['on_overrun'], message: 'on_overrun: unpause needs max_minutes (the limit whose overrun ends the pause)' });
            }
          }),
      )
      .default([]),
    // Events out (docs/http-api.md, "Webhooks"): where to POST which transitions, signed with the secret.
    webhooks: z
      .array(
        z.strictObject({
          url: webhookUrl,
          events: z
            .array(z.enum(WEBHOOK_EVENTS))
            .min(1, `must list at least one of ${WEBHOOK_EVENTS.join(', ')}`)
            .transform((events) => [...new Set(events)].sort()),
          // never echoed back in a message, like a PIN
          secret: z
            .string('secret must be a text (quote it)')
            .max(1024, 'secret must be at most 1024 characters')
            .refine((s) => s.trim() !== '', 'secret must not be empty'),
        }),
      )
      .default([]),
    // the numbers the breaks report judges by (docs/pauses.md, "Breaks"); absent: as stored, or the defaults
    shift_rules: shiftRulesSchema.optional(),
  })
  .strict();

export type ProvisionFile = z.output<typeof fileSchema>;
export type Section = keyof ProvisionFile;

/** What applying a file did to one section. */
export interface Counts {
  created: number;
  updated: number;
  unchanged: number;
  removed: number;
}

/** The field that identifies an entry, used in messages: `agents[2] (agent "1003")`. */
export const KEY_OF: { [S in Section]: string } = {
  pbxes: 'name',
  queues: 'name',
  extensions: 'exten',
  agents: 'agent',
  pause_reasons: 'code',
  webhooks: 'url',
  shift_rules: '',
};

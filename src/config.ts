import { BlockList, isIP } from 'node:net';
import { z } from 'zod';
import { DEFAULT_PROMPT_LANGUAGE, PROMPT_LANGUAGES } from './agi/prompts.js';

/** Comma-separated CIDRs (`10.0.0.0/8,::1/128`; a bare address means one host) turned into a BlockList. */
export function parseAllowList(text: string): BlockList {
  const list = new BlockList();
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const [address = '', bits] = entry.split('/');
    const family = isIP(address);
    if (family === 0) throw new Error(`"${entry}" is not an IP address or CIDR`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    const max = family === 4 ? 32 : 128;
    const prefix = bits === undefined ? max : Number(bits);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) throw new Error(`"${entry}" has a bad prefix length`);
    list.addSubnet(address, prefix, type);
  }
  return list;
}

/** True when `address` (as a socket reports it, IPv4-mapped IPv6 included) is in `list`. */
export function isAllowed(list: BlockList, address: string | undefined): boolean {
  if (!address) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return list.check(mapped[1], 'ipv4');
  return list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

const port = z.coerce.number().int().min(0).max(65535);
const allowList = z.string().transform((text, ctx) => {
  try {
    return parseAllowList(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

const schema = z.object({
  DATABASE_URL: z
    .string()
    .trim()
    .min(1)
    .refine((url) => /^postgres(ql)?:\/\//i.test(url), 'must start with postgres:// or postgresql:// (leave it unset for the embedded database)')
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  AMI_HOST: z.string().min(1).default('127.0.0.1'),
  AMI_PORT: port.default(5038),
  AMI_USERNAME: z.string().min(1).default('agentgate'),
  AMI_SECRET: z.string().default(''),
  AMI_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  // How often the record is compared with Asterisk's QueueStatus (0: never; a resync still runs on every reconnect).
  RECONCILE_INTERVAL_S: z.coerce.number().int().min(0).max(86_400).default(60),
  HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  HTTP_PORT: port.default(8080),
  AGI_HOST: z.string().min(1).default('127.0.0.1'),
  AGI_PORT: port.default(4573),
  AGI_ALLOW: allowList.default(parseAllowList('127.0.0.1/32,::1/128')),
  AGI_MAX_SESSIONS: z.coerce.number().int().min(1).default(5000),
  // Whether a FastAGI channel no extension names (Local, an IVR, a trunk) is the extension of its caller number.
  AGI_CALLERID_FALLBACK: z.enum(['true', 'false'], { error: 'must be true or false' }).default('true').transform((v) => v === 'true'),
  // What a channel left at Asterisk's default language (en) hears: only shipped prompt languages.
  PROMPT_LANGUAGE: z.enum(PROMPT_LANGUAGES, { error: `must be one of the shipped prompt languages: ${PROMPT_LANGUAGES.join(', ')}` }).default(DEFAULT_PROMPT_LANGUAGE),
  MEMBER_INTERFACE: z
    .string()
    .default('PJSIP/{exten}')
    .refine((t) => t.includes('{exten}'), 'must contain {exten}'),
  API_ALLOW: allowList.default(parseAllowList('127.0.0.1/32,::1/128')),
  API_TOKENS: z
    .string()
    .default('')
    .transform((t) => t.split(',').map((s) => s.trim()).filter((s) => s !== '')),
  // X-Forwarded-For is believed only from these peers (a reverse proxy in front); none by default.
  TRUSTED_PROXIES: allowList.default(parseAllowList('')),
  // The agent panel's sign-in: ended after this long unused, and after this long whatever.
  PANEL_IDLE_TIMEOUT_S: z.coerce.number().int().min(60).max(86_400).default(1800),
  PANEL_SESSION_MAX_S: z.coerce.number().int().min(300).max(7 * 86_400).default(43_200),
  // Phone PIN guessing: this many wrong PINs for one agent within the window lock its phone login.
  PIN_MAX_FAILURES: z.coerce.number().int().min(1).default(5),
  PIN_WINDOW_S: z.coerce.number().int().min(1).default(900),
  PIN_LOCKOUT_S: z.coerce.number().int().min(1).default(900),
  // Webhooks: how long one POST may take, and how many this process makes at once.
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
});

export type Config = z.output<typeof schema> & {
  /**
   * The value of an environment variable a `pbxes` row names as its AMI secret (`secret_env`,
   * CONTRACT §9), as the environment was when the configuration was read. Not enumerable: a
   * config that is logged or compared never shows it.
   */
  readonly secretOf: (envName: string) => string | undefined;
};

/** Every environment variable the service reads, in the order above (for `serve --help`). */
export const CONFIG_KEYS = Object.keys(schema.shape) as Array<keyof z.output<typeof schema>>;

export class ConfigError extends Error {}

/** Reads the configuration once; the only place that looks at the environment. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const input: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const secrets = { ...env };
  return Object.defineProperty(parsed.data, 'secretOf', {
    value: (envName: string) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(envName) && secrets[envName] !== '' ? secrets[envName] : undefined),
    enumerable: false,
  }) as Config;
}

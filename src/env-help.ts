import { CONFIG_KEYS } from './config.js';

/** One line per variable for `agentgate serve --help`; docs/configuration.md says more. */
const MEANING: Record<(typeof CONFIG_KEYS)[number], string> = {
  DATABASE_URL: 'postgres://… of a Postgres server (unset: the embedded database in DATA_DIR)',
  DATA_DIR: 'where the embedded database lives (default ./data)',
  AMI_HOST: "Asterisk Manager Interface host (default 127.0.0.1)",
  AMI_PORT: 'AMI port (default 5038)',
  AMI_USERNAME: 'AMI user from manager.conf (default agentgate)',
  AMI_SECRET: "that user's secret (never logged)",
  AMI_TIMEOUT_MS: 'how long an AMI action may take before 503 PBX unavailable, 100 to 60000 (default 5000)',
  RECONCILE_INTERVAL_S: 'seconds between comparisons of the record with Asterisk, 0 = never (default 60)',
  HTTP_HOST: 'HTTP listen address (default 127.0.0.1)',
  HTTP_PORT: 'HTTP port, 0 = any free one (default 8080)',
  AGI_HOST: 'FastAGI listen address (default 127.0.0.1)',
  AGI_PORT: 'FastAGI port, 0 = any free one (default 4573)',
  AGI_ALLOW: 'CIDRs that may open FastAGI sessions: Asterisk (default 127.0.0.1/32,::1/128)',
  AGI_MAX_SESSIONS: 'concurrent FastAGI sessions (default 5000)',
  AGI_CALLERID_FALLBACK: 'true: a channel no extension names is its caller number\'s extension; false: such a call is refused (default true)',
  PROMPT_LANGUAGE: 'pt_BR or en: the prompts a channel at Asterisk\'s default language (en) hears (default pt_BR)',
  MEMBER_INTERFACE: 'queue member interface template (default PJSIP/{exten})',
  API_ALLOW: 'CIDRs that may call the HTTP API without a token (default 127.0.0.1/32,::1/128)',
  API_TOKENS: 'comma-separated admin keys (bearer tokens); other keys: agentgate keys create',
  TRUSTED_PROXIES: "CIDRs of reverse proxies whose X-Forwarded-For is believed (default none)",
  PANEL_IDLE_TIMEOUT_S: 'the agent panel signs an agent out after this many seconds unused (default 1800)',
  PANEL_SESSION_MAX_S: '… and after this many seconds whatever (default 43200)',
  PIN_MAX_FAILURES: 'wrong phone PINs that lock an agent out of phone login (default 5)',
  PIN_WINDOW_S: '… within this many seconds (default 900)',
  PIN_LOCKOUT_S: '… for this many seconds (default 900)',
  WEBHOOK_TIMEOUT_MS: 'how long one webhook POST may take before it is retried, 100 to 120000 (default 10000)',
  WEBHOOK_CONCURRENCY: 'webhook POSTs in flight at once in this process (default 8)',
  LOG_LEVEL: 'fatal, error, warn, info, debug, trace or silent (default info)',
  SHUTDOWN_GRACE_MS: 'how long SIGTERM waits for in-flight commands and calls (default 10000)',
};

export function envHelp(): string {
  const width = Math.max(...CONFIG_KEYS.map((k) => k.length));
  const lines = CONFIG_KEYS.map((k) => `  ${k.padEnd(width)}  ${MEANING[k] as string}`);
  return `\nEnvironment variables (read once at start; a bad value stops the start, naming it):\n${lines.join('\n')}\n`;
}

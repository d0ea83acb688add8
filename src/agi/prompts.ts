import path from 'node:path';

/**
 * Every recorded prompt the voice flows play, as Asterisk names it: `agentgate/<name>`, without
 * language folder or format (Asterisk adds both). The texts live in `sounds/prompts.tsv`, the
 * files in `sounds/<lang>/agentgate/<name>.wav`; a test keeps the three in step.
 */
export const PROMPTS = {
  // questions
  enterAgent: 'agentgate/enter-agent',
  enterPin: 'agentgate/enter-pin',
  enterQueue: 'agentgate/enter-queue',
  enterReason: 'agentgate/enter-reason',
  invalidEntry: 'agentgate/invalid-entry',
  pinInvalid: 'agentgate/pin-invalid',
  pinLocked: 'agentgate/pin-locked',
  goodbye: 'agentgate/goodbye',
  // outcomes: one per answer of CONTRACT §2
  loginOk: 'agentgate/login-ok',
  logoffOk: 'agentgate/logoff-ok',
  pauseOk: 'agentgate/pause-ok',
  unpauseOk: 'agentgate/unpause-ok',
  argumentInvalid: 'agentgate/argument-invalid',
  agentNotSpecified: 'agentgate/agent-not-specified',
  agentNotExists: 'agentgate/agent-not-exists',
  queueNotExists: 'agentgate/queue-not-exists',
  extenNotExists: 'agentgate/exten-not-exists',
  queueNotCallcenter: 'agentgate/queue-not-callcenter',
  extenNotCallcenter: 'agentgate/exten-not-callcenter',
  agentNotLogged: 'agentgate/agent-not-logged',
  agentAlreadyPaused: 'agentgate/agent-already-paused',
  agentAlreadyAvailable: 'agentgate/agent-already-available',
  agentAlreadyLogged: 'agentgate/agent-already-logged',
  extenInUse: 'agentgate/exten-in-use',
  pbxUnavailable: 'agentgate/pbx-unavailable',
  pbxError: 'agentgate/pbx-error',
  databaseUnavailable: 'agentgate/database-unavailable',
  internalError: 'agentgate/internal-error',
  // status
  statusLoggedOff: 'agentgate/status-logged-off',
  statusAvailable: 'agentgate/status-available',
  statusPaused: 'agentgate/status-paused',
  reasonCode: 'agentgate/reason-code',
  extension: 'agentgate/extension',
  // another extension's state (*55<extension>: a supervisor's lamp key)
  agentAvailable: 'agentgate/agent-available',
  agentPaused: 'agentgate/agent-paused',
} as const;

export type PromptName = keyof typeof PROMPTS;
export type PromptFile = (typeof PROMPTS)[PromptName];

/** Languages shipped, as Asterisk's sound folders name them; the first is the default. */
export const PROMPT_LANGUAGES = ['pt_BR', 'en'] as const;
export type PromptLanguage = (typeof PROMPT_LANGUAGES)[number];
export const DEFAULT_PROMPT_LANGUAGE: PromptLanguage = 'pt_BR';

/** The format the files are shipped in (PCM, 8000 Hz, 16-bit, mono): Asterisk's `wav`. */
export const PROMPT_EXTENSION = '.wav';

/**
 * Which shipped language a channel hears, from its `CHANNEL(language)` / `agi_language`:
 * English for `en` and its variants (`en_US`, `en-GB`), Brazilian Portuguese for anything else
 * (empty, `pt`, `es`...). Asterisk itself falls back to `en` when a language folder is missing, so a
 * flow whose channel language differs from the result sets `CHANNEL(language)` to it first.
 */
export function promptLanguage(channelLanguage: string | undefined): PromptLanguage {
  const lang = (channelLanguage ?? '').trim().toLowerCase();
  return lang === 'en' || /^en[_-]/.test(lang) ? 'en' : DEFAULT_PROMPT_LANGUAGE;
}

/**
 * The file on disk for a prompt: `<soundsDir>/<language>/agentgate/<name>.wav`. `file` is a
 * PROMPTS value (`agentgate/login-ok`); a name already ending in `.wav` is taken as is.
 */
export function promptFilePath(soundsDir: string, language: string, file: string): string {
  const withExt = file.endsWith(PROMPT_EXTENSION) ? file : file + PROMPT_EXTENSION;
  return path.join(soundsDir, language, withExt);
}

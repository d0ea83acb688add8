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
  extenNotReachable: 'agentgate/exten-not-reachable',
  agentNotLogged: 'agentgate/agent-not-logged',
  agentAlreadyPaused: 'agentgate/agent-already-paused',
  agentAlreadyAvailable: 'agentgate/agent-already-available',
  agentAlreadyLogged: 'agentgate/agent-already-logged',
  extenInUse: 'agentgate/exten-in-use',
  pbxUnavailable: 'agentgate/pbx-unavailable',
  pbxError: 'agentgate/pbx-error',
  databaseUnavailable: 'agentgate/database-unavailable',
  internalError: 'agentgate/internal-error',
  // a queue's floor and reasons that need a yes (CONTRACT §10)
  pauseNotAllowed: 'agentgate/pause-not-allowed',
  pauseQueued: 'agentgate/pause-queued',
  pauseRequested: 'agentgate/pause-requested',
  // status
  statusLoggedOff: 'agentgate/status-logged-off',
  statusAvailable: 'agentgate/status-available',
  statusPaused: 'agentgate/status-paused',
  reasonCode: 'agentgate/reason-code',
  extension: 'agentgate/extension',
  // another extension's state (*55<extension>: a supervisor's lamp key)
  agentAvailable: 'agentgate/agent-available',
  agentPaused: 'agentgate/agent-paused',
  // the calling channel names no extension and AGI_CALLERID_FALLBACK is off
  extenNotIdentified: 'agentgate/exten-not-identified',
  // played by the shipped dialplan itself when agentgate cannot be reached (AGISTATUS=FAILURE)
  unavailable: 'agentgate/unavailable',
  // numbers (a reason code, an extension) said digit by digit in the prompts' own language:
  // Asterisk's SAY DIGITS needs its core digits/ sounds, English only on a stock install
  digit0: 'agentgate/digit-0',
  digit1: 'agentgate/digit-1',
  digit2: 'agentgate/digit-2',
  digit3: 'agentgate/digit-3',
  digit4: 'agentgate/digit-4',
  digit5: 'agentgate/digit-5',
  digit6: 'agentgate/digit-6',
  digit7: 'agentgate/digit-7',
  digit8: 'agentgate/digit-8',
  digit9: 'agentgate/digit-9',
} as const;

export type PromptName = keyof typeof PROMPTS;
export type PromptFile = (typeof PROMPTS)[PromptName];

/** The prompt of each digit, 0 to 9. */
export const DIGIT_PROMPTS = [
  'digit0', 'digit1', 'digit2', 'digit3', 'digit4', 'digit5', 'digit6', 'digit7', 'digit8', 'digit9',
] as const satisfies readonly PromptName[];

/** Languages shipped, as Asterisk's sound folders name them; the first is the default. */
export const PROMPT_LANGUAGES = ['pt_BR', 'en'] as const;
export type PromptLanguage = (typeof PROMPT_LANGUAGES)[number];
export const DEFAULT_PROMPT_LANGUAGE: PromptLanguage = 'pt_BR';

/** The format the files are shipped in (PCM, 8000 Hz, 16-bit, mono): Asterisk's `wav`. */
export const PROMPT_EXTENSION = '.wav';

export function isPromptLanguage(lang: unknown): lang is PromptLanguage {
  return (PROMPT_LANGUAGES as readonly unknown[]).includes(lang);
}

/**
 * Which shipped language a channel hears, from its `CHANNEL(language)`: `byDefault`
 * (PROMPT_LANGUAGE) for Asterisk's default `en`, which nobody chose, and for languages not shipped
 * (`es`, `pt`, empty); `pt_BR` as is; English for a chosen variant (`en_US`, `en-GB`).
 */
export function promptLanguage(channelLanguage: string | undefined, byDefault: PromptLanguage = DEFAULT_PROMPT_LANGUAGE): PromptLanguage {
  const lang = (channelLanguage ?? '').trim();
  if (lang === 'pt_BR') return 'pt_BR';
  return /^en[_-]/i.test(lang) ? 'en' : byDefault;
}

/**
 * The shipped folder Asterisk opens for a channel language: its own, else (no such folder) `en`,
 * its fallback. A flow sets `CHANNEL(language)` only when this differs from what it wants played.
 */
export function folderPlayed(channelLanguage: string | undefined): PromptLanguage {
  return channelLanguage?.trim() === 'pt_BR' ? 'pt_BR' : 'en';
}

/**
 * The file on disk for a prompt: `<soundsDir>/<language>/agentgate/<name>.wav`. `file` is a
 * PROMPTS value (`agentgate/login-ok`); a name already ending in `.wav` is taken as is.
 */
export function promptFilePath(soundsDir: string, language: string, file: string): string {
  const withExt = file.endsWith(PROMPT_EXTENSION) ? file : file + PROMPT_EXTENSION;
  return path.join(soundsDir, language, withExt);
}

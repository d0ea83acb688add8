import type { Logger } from 'pino';
import type { Deps } from '../../commands/deps.js';
import type { By } from '../../commands/input.js';
import type { PinGuard } from '../../commands/pin.js';
import { type Outcome, OUTCOMES, messageOf } from '../../commands/outcomes.js';
import { agentLanguage, known } from '../caller.js';
import { DIGIT_PROMPTS, PROMPTS, type PromptLanguage, type PromptName } from '../prompts.js';
import { CHANNEL_LANGUAGE, VARIABLES } from '../variables.js';

/** What a flow needs of a FastAGI session (AgiSession provides it). */
export interface Call {
  readonly script: string;
  readonly params: URLSearchParams;
  readonly callerId: string;
  /** `agi_channel`, e.g. `PJSIP/2001-00000025`. */
  readonly channel: string;
  /** `agi_language`: the channel's language when the AGI began. */
  readonly language: string;
  readonly hungUp: boolean;
  answer(): Promise<unknown>;
  getData(file: string, timeoutMs: number, maxDigits: number): Promise<{ digits: string; timedOut: boolean }>;
  streamFile(file: string, escapeDigits?: string): Promise<unknown>;
  setVariable(name: string, value: string): Promise<unknown>;
  getVariable(name: string): Promise<string | undefined>;
  verbose(message: string, level?: number): Promise<unknown>;
}

export interface FlowContext {
  deps: Deps;
  call: Call;
  log: Logger;
  /** `silent`: nothing is played and nothing asked; a missing parameter is an error. */
  silent: boolean;
  /** The calling extension: the one whose device the channel is, else the caller's number (src/agi/caller.ts). */
  exten: string;
  /** Who the commands of this call are recorded as made by: the calling extension. */
  by: By;
  /** Wrong PINs allowed before a phone login is locked. */
  pinGuard: PinGuard;
  /** The shipped language Asterisk plays this channel's prompts in now; `speakIn` changes it. */
  playing: PromptLanguage;
}

export const DIGIT_TIMEOUT_MS = 6000;
export const TRIES = 3;

export function play(ctx: FlowContext, prompt: PromptName): Promise<unknown> {
  return ctx.silent ? Promise.resolve() : ctx.call.streamFile(PROMPTS[prompt]);
}

/** Says a number digit by digit with our own digit prompts, in the prompts' language. */
export async function sayNumber(ctx: FlowContext, digits: string): Promise<void> {
  if (ctx.silent) return;
  for (const d of digits) {
    const prompt = DIGIT_PROMPTS[Number(d)];
    if (/^[0-9]$/.test(d) && prompt) await ctx.call.streamFile(PROMPTS[prompt]);
  }
}

/** From now on the prompts are played in `language` (nothing to do when they already are, or silent). */
export async function speakIn(ctx: FlowContext, language: PromptLanguage | undefined): Promise<void> {
  if (ctx.silent || language === undefined || language === ctx.playing) return;
  await ctx.call.setVariable(CHANNEL_LANGUAGE, language);
  ctx.playing = language;
}

/**
 * Once the agent is known: its provisioned language, if it has one, wins over the extension's.
 * `stored`: the agent's language column when the flow has already read it.
 */
export async function speakAgentLanguage(ctx: FlowContext, agent: string, stored?: string | null): Promise<void> {
  if (!ctx.silent) await speakIn(ctx, stored !== undefined ? known(stored) : await agentLanguage(ctx.deps.db, agent));
}

/** Ends a flow: the channel variables first (they survive a hangup), then the outcome's prompt. */
export async function finish(ctx: FlowContext, result: Outcome, prompt?: PromptName): Promise<Outcome> {
  await ctx.call.setVariable(VARIABLES.result, OUTCOMES[result.kind].result);
  await ctx.call.setVariable(VARIABLES.message, messageOf(result));
  ctx.log.info({ answer: messageOf(result) }, 'phone command');
  // The command is done and said so in the variables: a hangup during its prompt changes nothing.
  if (!ctx.call.hungUp) await play(ctx, prompt ?? OUTCOMES[result.kind].prompt).catch(() => undefined);
  return result;
}

/** A failed question ends with `prompt` (goodbye after the last try). */
export type Asked<T> = { ok: true; value: T } | { ok: false; failure: Outcome; prompt: PromptName };

/**
 * Asks a question up to TRIES times. `check` turns the digits into a value, or names the prompt
 * that says what was wrong and the outcome to give if the last try fails too (`final`: stop asking
 * now and end with that prompt). After the last failure the caller hears goodbye.
 */
export async function ask<T>(
  ctx: FlowContext,
  question: PromptName,
  maxDigits: number,
  check: (digits: string, timedOut: boolean) => Promise<{ value: T } | { retry: PromptName; failure: Outcome; final?: PromptName }>,
): Promise<Asked<T>> {
  let failure: Outcome = { kind: 'argumentInvalid' };
  for (let attempt = 1; attempt <= TRIES; attempt++) {
    const { digits, timedOut } = await ctx.call.getData(PROMPTS[question], DIGIT_TIMEOUT_MS, maxDigits);
    const checked = await check(digits, timedOut);
    if ('value' in checked) return { ok: true, value: checked.value };
    failure = checked.failure;
    if (checked.final) return { ok: false, failure, prompt: checked.final };
    if (attempt < TRIES) await ctx.call.streamFile(PROMPTS[checked.retry]);
  }
  return { ok: false, failure, prompt: 'goodbye' };
}

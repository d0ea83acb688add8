import type { Logger } from 'pino';
import type { Deps } from '../../commands/deps.js';
import { phoneBy } from '../../commands/input.js';
import { AgiClosedError, AgiHangupError } from '../errors.js';
import { failureOutcome } from '../../commands/errors.js';
import type { Outcome } from '../../commands/outcomes.js';
import { DEFAULT_PIN_GUARD, type PinGuard } from '../../commands/pin.js';
import { PROMPT_LANGUAGES, promptLanguage } from '../prompts.js';
import { CHANNEL_LANGUAGE } from '../variables.js';
import { type Call, type FlowContext, finish } from './call.js';
import { loginFlow } from './login.js';
import { pauseFlow, simpleFlow } from './pause.js';
import { statusFlow } from './status.js';
import { toggleFlow } from './toggle.js';

const FLOWS: Record<string, (ctx: FlowContext) => Promise<Outcome>> = {
  login: loginFlow,
  pause: pauseFlow,
  unpause: (ctx) => simpleFlow(ctx, 'unpause'),
  logoff: (ctx) => simpleFlow(ctx, 'logoff'),
  status: statusFlow,
  toggle: toggleFlow,
};

export interface PhoneOptions {
  pinGuard?: PinGuard;
}

/** One FastAGI session: `agi://host:port/<script>?<parameters>` picks the flow. */
export async function handleCall(deps: Deps, call: Call & { language?: string }, log: Logger, opts: PhoneOptions = {}): Promise<Outcome | undefined> {
  const silent = call.params.has('silent');
  const ctx: FlowContext = {
    deps,
    call,
    log: log.child({ agent: call.params.get('agent') ?? undefined }),
    silent,
    exten: call.callerId,
    by: phoneBy(call.callerId),
    pinGuard: opts.pinGuard ?? DEFAULT_PIN_GUARD,
  };
  const flow = FLOWS[call.script];
  try {
    if (!silent) {
      await call.answer();
      // Shipped languages are played as they are; any other channel hears the default (pt_BR).
      const lang = call.language ?? '';
      if (!(PROMPT_LANGUAGES as readonly string[]).includes(lang) && promptLanguage(lang) !== 'en') {
        await call.setVariable(CHANNEL_LANGUAGE, promptLanguage(lang));
      }
    }
    if (!flow) return await finish(ctx, { kind: 'argumentInvalid' });
    return await flow(ctx);
  } catch (err) {
    const gone = call.hungUp || err instanceof AgiHangupError || err instanceof AgiClosedError;
    if (gone) log.info({ err: (err as Error).message }, 'caller hung up');
    else log.warn({ err: (err as Error).message }, 'phone flow failed');
    // A failure before the command ran changed nothing; say so to the dialplan, and to a caller who
    // is still there (the database being down has its own prompt, a bug another).
    const result: Outcome = gone ? { kind: 'argumentInvalid' } : failureOutcome(err);
    await finish(gone ? { ...ctx, silent: true } : ctx, result).catch(() => undefined);
    return result;
  }
}

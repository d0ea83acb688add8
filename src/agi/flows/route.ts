import type { Logger } from 'pino';
import type { Deps } from '../../commands/deps.js';
import { phoneBy } from '../../commands/input.js';
import { AgiClosedError, AgiHangupError } from '../errors.js';
import { failureOutcome } from '../../commands/errors.js';
import type { Outcome } from '../../commands/outcomes.js';
import { DEFAULT_PIN_GUARD, type PinGuard } from '../../commands/pin.js';
import { identifyCaller } from '../caller.js';
import { type PromptLanguage, folderPlayed, promptLanguage } from '../prompts.js';
import { CHANNEL_LANGUAGE } from '../variables.js';
import { type Call, type FlowContext, finish, speakIn } from './call.js';
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
  /** What a channel left at Asterisk's default `en` hears (PROMPT_LANGUAGE). */
  promptLanguage?: PromptLanguage;
  /** Whether a channel whose device no extension names is the extension of its caller number (AGI_CALLERID_FALLBACK). */
  callerIdFallback?: boolean;
}

/**
 * One FastAGI session: `agi://host:port/<script>?<parameters>` picks the flow; `peer`, the address
 * it came from, its PBX (CONTRACT §9).
 */
export async function handleCall(deps: Deps, call: Call, log: Logger, opts: PhoneOptions = {}, peer?: string): Promise<Outcome | undefined> {
  const silent = call.params.has('silent');
  const ctx: FlowContext = {
    deps,
    call,
    log: log.child({ agent: call.params.get('agent') ?? undefined }),
    silent,
    // until the caller is identified (a failure before that is recorded as the caller number's)
    exten: call.callerId,
    by: phoneBy(call.callerId),
    pinGuard: opts.pinGuard ?? DEFAULT_PIN_GUARD,
    playing: folderPlayed(call.language),
  };
  const flow = FLOWS[call.script];
  try {
    let channelLanguage = call.language;
    if (!silent) {
      await call.answer();
      channelLanguage = (await call.getVariable(CHANNEL_LANGUAGE)) ?? call.language;
      ctx.playing = folderPlayed(channelLanguage);
    }
    const pbx = deps.pbxes.pbxOfPeer(peer);
    if (pbx === null) ctx.log.warn({ peer }, "phone call refused: its address is in no PBX's agi_from");
    const caller = await identifyCaller(deps.db, deps.memberInterface, call, opts.callerIdFallback ?? true, pbx);
    // the extension's language from the start; the flows switch to the agent's once it is known
    await speakIn(ctx, (caller.exten !== undefined ? caller.language : undefined) ?? promptLanguage(channelLanguage, opts.promptLanguage));
    if (caller.exten === undefined) {
      const why = `agentgate: the channel ${call.channel} is no provisioned extension's device and AGI_CALLERID_FALLBACK is off`;
      ctx.log.warn({ channel: call.channel, device: caller.device, callerId: call.callerId }, 'phone call refused: no extension names its device');
      await call.verbose(why);
      return await finish(ctx, { kind: 'extenNotExists' }, 'extenNotIdentified');
    }
    if (caller.also) ctx.log.warn({ channel: call.channel, exten: caller.exten, also: caller.also }, 'several extensions name this device; acting for one');
    ctx.exten = caller.exten;
    ctx.by = phoneBy(caller.exten);
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

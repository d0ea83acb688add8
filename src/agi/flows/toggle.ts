import { agentOnExten } from '../../commands/lookup.js';
import type { Outcome } from '../../commands/outcomes.js';
import { isExten } from '../../commands/input.js';
import { keyPress } from '../../commands/toggle.js';
import { PROMPTS } from '../prompts.js';
import { type FlowContext, finish, sayNumber } from './call.js';
import { loginFlow } from './login.js';
import { pauseFlow, phoneAgent, simpleFlow } from './pause.js';
import { sayState } from './status.js';

/**
 * `*55` / `*55<extension>`: what a lamp key (BLF) dials when pressed. On the calling extension
 * (nothing dialed, or its own number) it toggles: paused → unpause (`*52`), available → pause,
 * asking the reason (`*51`), logged off → log in (`*50`): `keyPress` in the command code decides,
 * and that code's own flow runs. On another extension it changes nothing and says that extension's
 * state (a supervisor's key): "Extension 2002: the agent is logged in and paused, reason code 1".
 */
export async function toggleFlow(ctx: FlowContext): Promise<Outcome> {
  const dialed = ctx.call.params.get('exten') || ctx.exten;
  if (ctx.call.params.has('exten') && !isExten(dialed)) return finish(ctx, { kind: 'argumentInvalid' });
  if (dialed !== ctx.exten) {
    if (!ctx.silent) {
      await ctx.call.streamFile(PROMPTS.extension);
      await sayNumber(ctx, dialed);
    }
    return sayState(ctx, await agentOnExten(ctx.deps, dialed), 'other');
  }
  const agent = await phoneAgent(ctx);
  const next = await keyPress(ctx.deps, agent, ctx.by);
  if ('answer' in next) return finish(ctx, next.answer);
  switch (next.press) {
    case 'unpause':
      return simpleFlow(ctx, 'unpause');
    case 'pause':
      return pauseFlow(ctx);
    case 'login':
      return loginFlow(ctx);
  }
}

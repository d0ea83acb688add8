import { codeOfReason } from '../../commands/lookup.js';
import type { Outcome } from '../../commands/outcomes.js';
import { runCommand } from '../../commands/run.js';
import { PROMPTS } from '../prompts.js';
import { type FlowContext, finish } from './call.js';
import { phoneAgent } from './pause.js';

/** `*54`: says logged off, available, or paused (with the reason's code when it has one). */
export async function statusFlow(ctx: FlowContext): Promise<Outcome> {
  const agent = await phoneAgent(ctx);
  if (!agent) return finish(ctx, { kind: 'agentNotLogged', }, 'statusLoggedOff');
  const result = await runCommand(ctx.deps, { command: 'status', agent }, 'phone');
  if (result.kind !== 'statusOk') return finish(ctx, result);
  const { state, reason } = result.status;
  await finish(ctx, result, state === 'paused' ? 'statusPaused' : state === 'available' ? 'statusAvailable' : 'statusLoggedOff');
  if (state === 'paused' && reason && !ctx.silent && !ctx.call.hungUp) {
    const code = await codeOfReason(ctx.deps, reason);
    if (code !== undefined) {
      await ctx.call.streamFile(PROMPTS.reasonCode);
      await ctx.call.sayDigits(String(code));
    }
  }
  return result;
}

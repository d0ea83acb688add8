import { codeOfReason } from '../../commands/lookup.js';
import type { Outcome } from '../../commands/outcomes.js';
import { runCommand } from '../../commands/run.js';
import { PROMPTS, type PromptName } from '../prompts.js';
import { type FlowContext, finish, sayNumber } from './call.js';
import { phoneAgent } from './pause.js';

/** What is said of each state: of one's own (`*54`), or of the agent on another extension (`*55<extension>`). */
const SAYS = {
  own: { logged_off: 'statusLoggedOff', available: 'statusAvailable', paused: 'statusPaused' },
  other: { logged_off: 'agentNotLogged', available: 'agentAvailable', paused: 'agentPaused' },
} as const satisfies Record<string, Record<'logged_off' | 'available' | 'paused', PromptName>>;

/** `*54`: says logged off, available, or paused (with the reason's code when it has one). */
export async function statusFlow(ctx: FlowContext): Promise<Outcome> {
  return sayState(ctx, await phoneAgent(ctx), 'own');
}

/** Says `agent`'s state (nobody: `Agent not logged`), in the words for one's own state or another's. */
export async function sayState(ctx: FlowContext, agent: string | undefined, whose: keyof typeof SAYS): Promise<Outcome> {
  const says = SAYS[whose];
  if (!agent) return finish(ctx, { kind: 'agentNotLogged' }, says.logged_off);
  const result = await runCommand(ctx.deps, { command: 'status', agent }, ctx.by);
  if (result.kind !== 'statusOk') return finish(ctx, result);
  const { state, reason } = result.status;
  await finish(ctx, result, says[state]);
  if (state === 'paused' && reason && !ctx.silent && !ctx.call.hungUp) {
    const code = await codeOfReason(ctx.deps, reason);
    if (code !== undefined) {
      await ctx.call.streamFile(PROMPTS.reasonCode);
      await sayNumber(ctx, String(code));
    }
  }
  return result;
}

import { agentOnExten, reasonForCode } from '../../commands/lookup.js';
import { type Outcome, messageOf } from '../../commands/outcomes.js';
import { PROMPTS } from '../prompts.js';
import { VARIABLES } from '../variables.js';
import { runCommand } from '../../commands/run.js';
import { status } from '../../commands/status.js';
import { DIGIT_TIMEOUT_MS, type FlowContext, ask, finish, speakAgentLanguage } from './call.js';

/**
 * The agent a phone command acts for: given in the query string, or the one on the calling
 * extension; from here on the prompts are in that agent's language, if it has one.
 */
export async function phoneAgent(ctx: FlowContext): Promise<string | undefined> {
  const agent = ctx.call.params.get('agent') || (await agentOnExten(ctx.deps, ctx.exten));
  if (agent) await speakAgentLanguage(ctx, agent);
  return agent;
}

/** `*51` / `*51<reason code>`: asks the reason code (`#` alone: no reason) when it was not dialed. */
export async function pauseFlow(ctx: FlowContext): Promise<Outcome> {
  const agent = await phoneAgent(ctx);
  if (!agent) return finish(ctx, { kind: 'agentNotLogged' });
  let reason: string | null = ctx.call.params.get('reason') || null;
  if (reason === null && !ctx.silent) {
    // Only an available agent is asked why; anyone else hears the command's own answer at once.
    const now = await status(ctx.deps, { agent });
    if (now.kind === 'statusOk' && now.status.state === 'available') {
      const got = await ask<string | null>(ctx, 'enterReason', 9, async (digits, timedOut) => {
        if (digits === '') return timedOut ? { retry: 'invalidEntry', failure: { kind: 'argumentInvalid' } } : { value: null };
        const name = await reasonForCode(ctx.deps, digits);
        return name ? { value: name } : { retry: 'invalidEntry', failure: { kind: 'argumentInvalid' } };
      });
      if (!got.ok) return finish(ctx, got.failure, got.prompt);
      reason = got.value;
    }
  }
  // `wait=1` in the AGI address (an IVR) queues a pause a queue's floor holds back, as over HTTP
  const wait = ctx.call.params.get('wait') ?? undefined;
  const result = await runCommand(ctx.deps, { command: 'pause', agent, reason, wait }, ctx.by);
  if (result.kind === 'pauseNotAllowed' && !ctx.silent && !ctx.call.hungUp) {
    // The prompt says why and offers a key: 1 queues the pause (CONTRACT §10).
    await ctx.call.setVariable(VARIABLES.message, messageOf(result));
    const { digits } = await ctx.call.getData(PROMPTS.pauseNotAllowed, DIGIT_TIMEOUT_MS, 1);
    if (digits === '1') return finish(ctx, await runCommand(ctx.deps, { command: 'pause', agent, reason, wait: '1' }, ctx.by));
    return finish(ctx, result, 'goodbye');
  }
  return finish(ctx, result);
}

/** `*52` and `*53`: act for the agent on the calling extension. */
export async function simpleFlow(ctx: FlowContext, command: 'unpause' | 'logoff'): Promise<Outcome> {
  const agent = await phoneAgent(ctx);
  if (!agent) return finish(ctx, { kind: 'agentNotLogged' });
  return finish(ctx, await runCommand(ctx.deps, { command, agent }, ctx.by));
}

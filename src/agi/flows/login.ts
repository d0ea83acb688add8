import { agentForPhone, queueForPhone } from '../../commands/lookup.js';
import type { Outcome } from '../../commands/outcomes.js';
import { checkPhonePin, phoneLoginLocked, pinsInUse } from '../../commands/phone.js';
import { runCommand } from '../../commands/run.js';
import { type FlowContext, ask, finish, speakAgentLanguage } from './call.js';

/**
 * `*50` / `*50<queue number>`: asks the agent id, the PIN, and the queue unless it was dialed or
 * the agent has default queues (then all of them).
 *
 * While any agent has a PIN, whether a number is an agent is not said before the PIN: an unknown
 * number is asked a PIN too and hears what a wrong PIN hears. Wrong PINs are counted per number
 * across calls; too many lock that number's phone login for a while (HTTP is not affected).
 * The agent's own prompt language, if it has one, is spoken from the queue question on.
 */
export async function loginFlow(ctx: FlowContext): Promise<Outcome> {
  const { deps, call, silent } = ctx;
  let agent = call.params.get('agent') || undefined;
  const guarded = !silent && (await pinsInUse(deps));
  // what the id's question looked up, so the answer is not read twice
  let found: Awaited<ReturnType<typeof agentForPhone>>;
  if (!agent) {
    if (silent) return finish(ctx, { kind: 'agentNotSpecified' });
    const got = await ask<string>(ctx, 'enterAgent', 10, async (digits) => {
      if (digits === '') return { retry: 'invalidEntry', failure: { kind: 'agentNotSpecified' } };
      // with PINs in use the PIN question decides; without, there is nothing to hide
      if (!guarded && !(found = await agentForPhone(deps, digits))) return { retry: 'agentNotExists', failure: { kind: 'agentNotExists' } };
      return { value: digits };
    });
    if (!got.ok) return finish(ctx, got.failure, got.prompt);
    agent = got.value;
  }

  const who = agent;
  const info = found ?? (await agentForPhone(deps, who));
  // The PIN is asked whenever the agent has one (or may have one: an unknown number while PINs are
  // in use), however the id arrived; a silent IVR has already decided who the caller is.
  if (guarded && (info === undefined || info.needsPin)) {
    if (await phoneLoginLocked(deps, who)) {
      ctx.log.warn({ agent: who }, 'phone login refused: locked after too many wrong PINs');
      return finish(ctx, { kind: 'argumentInvalid' }, 'pinLocked');
    }
    const pin = await ask(ctx, 'enterPin', 12, async (digits) => {
      const answer = await checkPhonePin(deps, ctx.pinGuard, who, digits);
      if (answer === 'ok') return { value: true };
      const failure: Outcome = { kind: 'argumentInvalid' };
      return answer === 'locked' ? { retry: 'pinInvalid', failure, final: 'pinLocked' } : { retry: 'pinInvalid', failure };
    });
    if (!pin.ok) return finish(ctx, pin.failure, pin.prompt);
  }
  // Only now: while PINs are in use, a switch of language before the PIN would tell an agent's
  // number from an unknown one.
  if (info) await speakAgentLanguage(ctx, who, info.language);

  let queue: string | undefined = call.params.get('queue') || undefined;
  let queues: string[] | undefined;
  if (!queue && info && info.defaultQueues.length > 0) queues = info.defaultQueues;
  if (!queue && !queues && info) {
    if (silent) return finish(ctx, { kind: 'argumentInvalid' });
    const got = await ask(ctx, 'enterQueue', 10, async (digits) => {
      if (digits === '') return { retry: 'invalidEntry', failure: { kind: 'argumentInvalid' } };
      const name = await queueForPhone(deps, digits);
      return name ? { value: name } : { retry: 'queueNotExists', failure: { kind: 'queueNotExists' } };
    });
    if (!got.ok) return finish(ctx, got.failure, got.prompt);
    queue = got.value;
  }

  const args = queues ? { queues } : { queue };
  const result = await runCommand(deps, { command: 'login', agent: who, exten: ctx.exten, ...args }, ctx.by);
  return finish(ctx, result);
}

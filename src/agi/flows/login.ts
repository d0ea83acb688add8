import { agentForPhone, pinMatches, queueForPhone } from '../../commands/lookup.js';
import type { Outcome } from '../../commands/outcomes.js';
import { runCommand } from '../../commands/run.js';
import { type FlowContext, ask, finish } from './call.js';

type Info = NonNullable<Awaited<ReturnType<typeof agentForPhone>>>;

/**
 * `*50` / `*50<queue number>`: asks the agent id, the PIN if the agent has one, and the queue
 * unless it was dialed or the agent has default queues (then all of them).
 */
export async function loginFlow(ctx: FlowContext): Promise<Outcome> {
  const { deps, call, silent } = ctx;
  let agent = call.params.get('agent') || undefined;
  let known: Info | undefined;
  if (!agent) {
    if (silent) return finish(ctx, { kind: 'agentNotSpecified' });
    const got = await ask<{ login: string; info: Info }>(ctx, 'enterAgent', 10, async (digits) => {
      if (digits === '') return { retry: 'invalidEntry', failure: { kind: 'agentNotSpecified' } };
      const found = await agentForPhone(deps, digits);
      if (!found) return { retry: 'agentNotExists', failure: { kind: 'agentNotExists' } };
      return { value: { login: digits, info: found } };
    });
    if (!got.ok) return finish(ctx, got.failure, 'goodbye');
    agent = got.value.login;
    known = got.value.info;
  }

  const who = agent;
  const info = known ?? (await agentForPhone(deps, who));
  // The PIN is asked whenever the agent has one, however the id arrived; a silent IVR has already
  // decided who the caller is.
  if (!silent && info?.needsPin) {
    const pin = await ask(ctx, 'enterPin', 12, async (digits) =>
      digits !== '' && (await pinMatches(deps, who, digits)) ? { value: true } : { retry: 'pinInvalid', failure: { kind: 'argumentInvalid' } },
    );
    if (!pin.ok) return finish(ctx, pin.failure, 'goodbye');
  }

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
    if (!got.ok) return finish(ctx, got.failure, 'goodbye');
    queue = got.value;
  }

  const args = queues ? { queues } : { queue };
  const result = await runCommand(deps, { command: 'login', agent: who, exten: ctx.exten, ...args }, 'phone');
  return finish(ctx, result);
}

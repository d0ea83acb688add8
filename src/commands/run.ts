import { authorize, pausesFreely, withOwnAgent } from '../access/scope.js';
import { approve, deny } from './approval.js';
import type { Deps } from './deps.js';
import { type By, type RawCommand, type Source, COMMANDS, parseCommand } from './input.js';
import { login } from './login.js';
import { logoff } from './logoff.js';
import { failureOutcome } from './errors.js';
import type { Outcome } from './outcomes.js';
import { pause, unpause } from './pause.js';
import { status } from './status.js';

/** Told of every command once it has its answer (metrics); `command` is `invalid` for anything unknown. */
export type CommandObserver = (c: { command: string; outcome: Outcome['kind']; source: Source; seconds: number }) => void;

/** The one entry point every adapter calls: validation, who may, then the command. */
export async function runCommand(deps: Deps & { onCommand?: CommandObserver }, raw: RawCommand, by: By): Promise<Outcome> {
  if (!deps.onCommand) return dispatch(deps, raw, by);
  const started = performance.now();
  const result = await dispatch(deps, raw, by);
  const name = typeof raw.command === 'string' ? raw.command.trim() : '';
  const command = (COMMANDS as readonly string[]).includes(name) ? name : 'invalid';
  deps.onCommand({ command, outcome: result.kind, source: by.source, seconds: (performance.now() - started) / 1000 });
  return result;
}

async function dispatch(deps: Deps, raw: RawCommand, by: By): Promise<Outcome> {
  const cmd = parseCommand(withOwnAgent(raw, by.principal));
  if ('kind' in cmd) return cmd;
  let refused: Outcome | undefined;
  try {
    refused = await authorize(deps.db, by.principal, cmd);
  } catch (err) {
    deps.log.warn({ command: cmd.name, agent: cmd.agent, err: (err as Error).message }, 'could not read the scope of a credential');
    return failureOutcome(err);
  }
  if (refused) return refused;
  const { source, actor } = by;
  switch (cmd.name) {
    case 'login':
      return login(deps, { ...cmd, source, actor });
    case 'logoff':
      return logoff(deps, { ...cmd, source, actor });
    case 'pause':
      return pause(deps, { ...cmd, source, actor, free: pausesFreely(by.principal, source) });
    case 'unpause':
      return unpause(deps, { ...cmd, source, actor });
    case 'status':
      return status(deps, cmd);
    case 'approve':
      return approve(deps, { agent: cmd.agent, source, actor });
    case 'deny':
      return deny(deps, { agent: cmd.agent, source, actor });
  }
}

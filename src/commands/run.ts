import type { Deps } from './deps.js';
import { type RawCommand, type Source, COMMANDS, parseCommand } from './input.js';
import { login } from './login.js';
import { logoff } from './logoff.js';
import type { Outcome } from './outcomes.js';
import { pause, unpause } from './pause.js';
import { status } from './status.js';

/** Told of every command once it has its answer (metrics); `command` is `invalid` for anything unknown. */
export type CommandObserver = (c: { command: string; outcome: Outcome['kind']; source: Source; seconds: number }) => void;

/** The one entry point every adapter calls: validation, then the command. */
export async function runCommand(deps: Deps & { onCommand?: CommandObserver }, raw: RawCommand, source: Source): Promise<Outcome> {
  if (!deps.onCommand) return dispatch(deps, raw, source);
  const started = performance.now();
  const result = await dispatch(deps, raw, source);
  const name = typeof raw.command === 'string' ? raw.command.trim() : '';
  const command = (COMMANDS as readonly string[]).includes(name) ? name : 'invalid';
  deps.onCommand({ command, outcome: result.kind, source, seconds: (performance.now() - started) / 1000 });
  return result;
}

async function dispatch(deps: Deps, raw: RawCommand, source: Source): Promise<Outcome> {
  const cmd = parseCommand(raw);
  if ('kind' in cmd) return cmd;
  switch (cmd.name) {
    case 'login':
      return login(deps, { ...cmd, source });
    case 'logoff':
      return logoff(deps, { ...cmd, source });
    case 'pause':
      return pause(deps, { ...cmd, source });
    case 'unpause':
      return unpause(deps, { ...cmd, source });
    case 'status':
      return status(deps, cmd);
  }
}

import type { Deps } from './deps.js';
import { type RawCommand, type Source, parseCommand } from './input.js';
import { login } from './login.js';
import { logoff } from './logoff.js';
import type { Outcome } from './outcomes.js';
import { pause, unpause } from './pause.js';
import { status } from './status.js';

/** The one entry point every adapter calls: validation, then the command. */
export async function runCommand(deps: Deps, raw: RawCommand, source: Source): Promise<Outcome> {
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

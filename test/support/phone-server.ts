import type { Deps } from '../../src/commands/deps.js';
import { type PhoneOptions, handleCall } from '../../src/agi/flows/route.js';
import { createAgiServer } from '../../src/agi/server.js';
import { parseAllowList } from '../../src/config.js';
import { quietLog } from './harness.js';

/**
 * agentgate's FastAGI server running the phone flows over `deps`, on a free port. `options` is read
 * at each call, so a test may change it (a setting of the service) between calls.
 */
export async function startPhoneServer(deps: Deps, options: PhoneOptions = {}, allow = '127.0.0.1/32'): Promise<{ port: number; options: PhoneOptions; close(): Promise<void> }> {
  const server = createAgiServer({
    host: '127.0.0.1',
    port: 0,
    allow: parseAllowList(allow),
    maxSessions: 5000,
    // generous: a test may hold 1,000 sessions at once on a loaded machine
    envTimeoutMs: 60_000,
    commandTimeoutMs: 60_000,
    sessionTimeoutMs: 60_000,
    logger: quietLog,
    handler: async (session, log, peer) => {
      await handleCall(deps, session, log, options, peer);
    },
  });
  const port = await server.listen();
  return { port, options, close: () => server.close(1000) };
}

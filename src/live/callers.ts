import type { AgentCall } from '../calls/board.js';

/**
 * A call as a principal without `showCallers` sees it (a display key without --show-callers, an
 * agent): who is calling is left out. The one place the feed and the lists hide it.
 */
export function withoutCaller<T extends { caller?: unknown; caller_name?: unknown }>(call: T): T {
  return { ...call, caller: null, caller_name: null };
}

/** `byAgent()`'s map with every caller hidden. */
export function callsWithoutCallers(calls: Record<string, AgentCall>): Record<string, AgentCall> {
  return Object.fromEntries(Object.entries(calls).map(([agent, call]) => [agent, withoutCaller(call)]));
}

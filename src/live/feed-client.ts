import type { ServerResponse } from 'node:http';
import { withoutCaller } from './callers.js';

/** What one client is given of the feed. */
export interface ClientFilter {
  /** Only the rows of this agent (the agent panel: its own events), and only its own calls. */
  agent?: string | undefined;
  /** Calls without who is calling (a principal without `showCallers`). */
  hideCallers?: boolean | undefined;
}

export interface Client {
  res: ServerResponse;
  /** The last id this client has (or must not get again). */
  after: number;
  /** Live messages held while the client catches up from the table. */
  held: Message[] | undefined;
  filter: ClientFilter;
}

/** One row of the events table, ready to send. */
export interface Message {
  id: number;
  agent: string | null;
  text: string;
}

export function format(e: Record<string, unknown> & { id: number }): Message {
  return { id: e.id, agent: typeof e.agent === 'string' ? e.agent : null, text: `id: ${e.id}\ndata: ${JSON.stringify(e)}\n\n` };
}

/**
 * Sends what `client` has not had of `messages`; `all` is all of them, encoded once for every
 * client that takes them all. Returns whether anything was written.
 */
export function writeTo(client: Client, messages: Message[], all?: Buffer): boolean {
  if (client.held) {
    client.held.push(...messages);
    return false;
  }
  const last = messages[messages.length - 1];
  if (!last || last.id <= client.after) return false;
  const agent = client.filter.agent;
  const whole = agent === undefined && messages[0]!.id > client.after;
  const due = whole ? messages : messages.filter((m) => m.id > client.after && (agent === undefined || m.agent === agent));
  // the client has had everything up to here, whether it was for it or not
  client.after = last.id;
  if (due.length === 0) return false;
  client.res.write(whole && all ? all : due.map((m) => m.text).join(''));
  return true;
}

/**
 * A message that is not a row of the events table (`event: call`, `event: queue`), as each kind of
 * client gets it: undefined when it is not for that client.
 */
export function announcement(event: string, data: unknown): (client: Client) => string | undefined {
  const text = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
  const call = event === 'call' ? (data as { agent?: string | null; call?: Record<string, unknown> | null }) : undefined;
  let hidden: string | undefined;
  return (client) => {
    if (client.filter.agent !== undefined && (!call || call.agent !== client.filter.agent)) return undefined;
    if (!call?.call || !client.filter.hideCallers) return text;
    hidden ??= `event: ${event}\ndata: ${JSON.stringify({ ...call, call: withoutCaller(call.call) })}\n\n`;
    return hidden;
  };
}

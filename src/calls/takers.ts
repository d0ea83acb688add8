import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { agentOnInterface } from './record.js';
import type { AgentOnInterface } from './types.js';

/**
 * Who takes the calls on each interface: the agent logged in there when a call first reaches it,
 * looked up once and kept while the interface has a call (so a leg keeps its agent if that agent
 * logs off, or another logs in there, before it ends).
 */
export class Takers {
  /** interface → its agent, looked up when a call reaches it; kept while it has one. */
  private readonly agentOf = new Map<string, Promise<AgentOnInterface>>();
  private readonly interfaceOfAgent = new Map<string, string>();

  constructor(
    private readonly db: Knex,
    private readonly log: Logger,
    private readonly remoteExten?: (iface: string) => string | undefined,
  ) {}

  agentFor(iface: string): Promise<AgentOnInterface> {
    const known = this.agentOf.get(iface);
    if (known) return known;
    const lookup = agentOnInterface(this.db, iface, this.remoteExten).catch((err: Error) => {
      this.log.warn({ err: err.message, interface: iface }, 'could not tell which agent a queue call reached');
      return undefined;
    });
    this.remember(iface, lookup);
    return lookup;
  }

  /** A call known from before a cut stays with the agent who took it (unless the interface has one already). */
  keep(iface: string, agent: Promise<AgentOnInterface>): void {
    if (!this.agentOf.has(iface)) this.remember(iface, agent);
  }

  /** The member is free: who logs in there next is looked up afresh. */
  forget(iface: string, agent: AgentOnInterface): void {
    this.agentOf.delete(iface);
    if (agent && this.interfaceOfAgent.get(agent) === iface) this.interfaceOfAgent.delete(agent);
  }

  interfaceOf(agent: string): string | undefined {
    return this.interfaceOfAgent.get(agent);
  }

  interfaces(): IterableIterator<[string, string]> {
    return this.interfaceOfAgent.entries();
  }

  private remember(iface: string, agent: Promise<AgentOnInterface>): void {
    this.agentOf.set(iface, agent);
    void agent.then((who) => {
      if (this.agentOf.get(iface) !== agent) return;
      if (who === undefined) this.agentOf.delete(iface); // asked again at the next step
      else if (who !== null) this.interfaceOfAgent.set(who, iface);
    });
  }
}

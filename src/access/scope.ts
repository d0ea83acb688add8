import type { Knex } from 'knex';
import type { Command, RawCommand } from '../commands/input.js';
import { type Outcome, outcome } from '../commands/outcomes.js';
import type { Principal } from './roles.js';

/**
 * The "me" form: an agent's key or panel acts for its own agent, named by the credential and never
 * by the request. A command that names another agent is still refused, by `authorize`.
 */
export function withOwnAgent(raw: RawCommand, p: Principal | undefined): RawCommand {
  if (p?.role !== 'agent' || p.agent === undefined) return raw;
  const named = raw.agent === undefined || raw.agent === null || (typeof raw.agent === 'string' && raw.agent.trim() === '');
  return named ? { ...raw, agent: p.agent } : raw;
}

/**
 * Whether the credential may run this command on this agent (CONTRACT §8), once the request is
 * well-formed: undefined when it may, else the answer. Without a principal (the phone, agentgate's
 * own jobs) nothing is bounded here.
 * - display: never;
 * - agent: its own agent only;
 * - supervisor: agents logged into one of its queues, or with one among their default queues (all
 *   when it has none); a login only into its queues; a pause only with a reason;
 * - admin: everything.
 * `approve` / `deny` (CONTRACT §10) are a supervisor's or an admin's only: never the phone's, an
 * agent's or a display's.
 */
export async function authorize(db: Knex, p: Principal | undefined, cmd: Command): Promise<Outcome | undefined> {
  const decides = cmd.name === 'approve' || cmd.name === 'deny';
  if (!p) return decides ? outcome('forbidden') : undefined;
  if (decides && p.role !== 'admin' && p.role !== 'supervisor') return outcome('forbidden');
  switch (p.role) {
    case 'admin':
      return undefined;
    case 'display':
      return outcome('forbidden');
    case 'agent':
      return cmd.agent === p.agent ? undefined : outcome('forbidden');
    case 'supervisor': {
      if (cmd.name === 'pause' && cmd.reason === null) return outcome('argumentInvalid');
      const scope = p.queues;
      if (!scope) return undefined;
      if (cmd.name === 'login' && !(await allIn(db, cmd.queues, scope))) return outcome('forbidden');
      return (await agentInScope(db, cmd.agent, scope)) ? undefined : outcome('forbidden');
    }
  }
}

/** Every queue given (by name or number) that exists is in the scope; one that does not is the command's to answer. */
async function allIn(db: Knex, queues: string[], scope: readonly string[]): Promise<boolean> {
  const rows: Array<{ name: string }> = await db('queues').select('name').whereIn('name', queues).orWhereIn('number', queues);
  return rows.every((r) => scope.includes(r.name));
}

async function agentInScope(db: Knex, agent: string, scope: readonly string[]): Promise<boolean> {
  const { rows } = await db.raw(
    `select exists (select 1 from session_queues where agent = ? and queue = any(?::text[]))
         or exists (select 1 from agent_queues where agent = ? and queue = any(?::text[])) as yes`,
    [agent, [...scope], agent, [...scope]],
  );
  return Boolean(rows[0]?.yes);
}

/**
 * Whether a pause by this caller skips the queues' floors and the reasons' approval (CONTRACT §10):
 * a supervisor's or an admin's key (or the wallboard's cookie that carries one), and agentgate's own
 * pause rules. An allow-listed caller without a key is the drop-in integration acting for agents,
 * so its pauses are held to the floor like the agents' own; the phone and the panel always are.
 */
export function pausesFreely(p: Principal | undefined, source: string): boolean {
  if (source === 'policy') return true;
  if (!p || p.via === 'address') return false;
  return p.role === 'admin' || p.role === 'supervisor';
}

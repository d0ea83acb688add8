/**
 * Who a caller is, once its credential is read (CONTRACT §8). Every access decision reads a
 * Principal; none reads a header, a cookie or an address again.
 */
export const ROLES = ['display', 'agent', 'supervisor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** How the caller proved who it is; a cookie-borne credential is held to its page's own origin for changes. */
export type Via = 'key' | 'cookie' | 'panel' | 'address';

export interface Principal {
  role: Role;
  /** What the record writes as the events' actor: `key:<name>`, `agent:<login>`, `ip:<address>`. */
  actor: string;
  via: Via;
  /** `agent`: the one agent it acts for (the "me" of a command that names none). */
  agent?: string;
  /** `supervisor`: the queues of its scope; null: every queue. */
  queues?: readonly string[] | null;
  /** Whether caller numbers are shown (display keys only with `--show-callers`). */
  showCallers: boolean;
  /** The key's name, for its last use. */
  keyName?: string;
}

/** A key's row, as far as access reads it. */
export interface KeyRow {
  name: string;
  role: Role;
  agent: string | null;
  queues: string[];
  show_callers: boolean;
  expires_at: Date | null;
  revoked_at: Date | null;
}

export function keyPrincipal(k: KeyRow, via: 'key' | 'cookie'): Principal {
  const base = { via, keyName: k.name };
  switch (k.role) {
    case 'agent':
      return { ...base, role: 'agent', actor: `agent:${k.agent}`, agent: k.agent ?? undefined, showCallers: false };
    case 'supervisor':
      return { ...base, role: 'supervisor', actor: `key:${k.name}`, queues: k.queues.length ? k.queues : null, showCallers: true };
    case 'display':
      return { ...base, role: 'display', actor: `key:${k.name}`, showCallers: k.show_callers };
    case 'admin':
      return { ...base, role: 'admin', actor: `key:${k.name}`, showCallers: true };
  }
}

/** An `API_TOKENS` entry: an admin key named by its place in the list (no key name has a `#`). */
export function tokenPrincipal(index: number, via: 'key' | 'cookie'): Principal {
  return { role: 'admin', actor: `key:API_TOKENS#${index + 1}`, via, showCallers: true };
}

/** A caller inside API_ALLOW without a key: today's full access, recorded by its address. */
export function addressPrincipal(address: string): Principal {
  return { role: 'admin', actor: `ip:${address}`, via: 'address', showCallers: true };
}

/** An agent signed in to the panel. */
export function panelPrincipal(agent: string): Principal {
  return { role: 'agent', actor: `agent:${agent}`, via: 'panel', agent, showCallers: false };
}

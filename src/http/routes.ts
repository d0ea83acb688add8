import type { Principal, Role } from '../access/roles.js';
import { PAGES } from './pages.js';

type Method = 'GET' | 'HEAD' | 'POST';

/**
 * Who may call a route (CONTRACT §8). The one table of access: the hook in app.ts decides every
 * request from it before any handler runs, and a route registered without an entry is refused
 * (a test walks the registered routes).
 */
export interface RouteRule {
  methods: readonly Method[];
  /** `anyone`, or the roles that may. */
  who: 'anyone' | readonly Role[];
  /** `panel`: only the agent panel's sign-in counts here (a key, a cookie of the wallboard or an address do not). */
  credential?: 'panel';
  /**
   * It changes state. `cookie`: a credential a browser sends by itself (a cookie) counts only on a
   * POST from the page's own origin. `always`: every caller must be a POST from that origin.
   */
  changes?: 'cookie' | 'always';
  /** Refused with the page itself (403), which then asks for a credential. */
  page?: boolean;
}

const READERS: readonly Role[] = ['display', 'supervisor', 'admin'];
const EVERY_ROLE: readonly Role[] = ['display', 'agent', 'supervisor', 'admin'];

const pageRules = (url: string, who: readonly Role[] | 'anyone'): Record<string, RouteRule> => {
  const page = PAGES.find((p) => p.url === url);
  if (!page) throw new Error(`no page at ${url}`);
  return {
    [url]: { methods: ['GET'], who, page: who !== 'anyone' },
    // assets hold no data: a browser loads them before it has a credential
    ...Object.fromEntries(page.assets.map((a) => [`${url}/${a}`, { methods: ['GET'], who: 'anyone' } as RouteRule])),
  };
};

export const ROUTE_RULES: Record<string, RouteRule> = {
  '/api/agent.php': { methods: ['GET', 'POST'], who: ['agent', 'supervisor', 'admin'], changes: 'cookie' },
  '/api/agent': { methods: ['GET', 'POST'], who: ['agent', 'supervisor', 'admin'], changes: 'cookie' },
  '/api/me': { methods: ['GET'], who: EVERY_ROLE },
  '/api/agents': { methods: ['GET'], who: READERS },
  '/api/queues': { methods: ['GET'], who: READERS },
  '/api/events/stream': { methods: ['GET'], who: READERS },
  '/api/reports/pauses': { methods: ['GET'], who: ['supervisor', 'admin'] },
  '/api/reports/breaks': { methods: ['GET'], who: ['supervisor', 'admin'] },
  '/api/breaks/due': { methods: ['GET'], who: READERS },
  '/api/webhooks/deliveries': { methods: ['GET'], who: ['admin'] },
  '/metrics': { methods: ['GET'], who: ['admin'] },
  '/openapi.json': { methods: ['GET'], who: EVERY_ROLE },
  '/healthz': { methods: ['GET', 'HEAD'], who: 'anyone' },
  '/readyz': { methods: ['GET', 'HEAD'], who: 'anyone' },
  ...pageRules('/wallboard', READERS),
  ...pageRules('/wallboard/reports', ['supervisor', 'admin']),
  ...pageRules('/wallboard/breaks', ['supervisor', 'admin']),
  // the agent panel: open to anyone who reaches the port; the PIN and its lockout guard it
  ...pageRules('/agent', 'anyone'),
  '/agent/signin': { methods: ['POST'], who: 'anyone', changes: 'always' },
  '/agent/signout': { methods: ['POST'], who: 'anyone', changes: 'always' },
  '/agent/me': { methods: ['GET'], who: ['agent'], credential: 'panel' },
  '/agent/events': { methods: ['GET'], who: ['agent'], credential: 'panel' },
  '/agent/command': { methods: ['POST'], who: ['agent'], credential: 'panel', changes: 'always' },
};

/** Why a request is refused, for the hook to answer. */
export type Refusal = 'forbidden' | 'signIn' | 'expired';

/**
 * The decision for one request: undefined when it may go on. `principal` is who the credential
 * says (none: nothing valid presented), `expired` a panel sign-in past its limits.
 */
export function decide(
  rule: RouteRule | undefined,
  who: { principal?: Principal | undefined; refused?: boolean; expired?: boolean },
  req: { method: string; origin: string | undefined; ownOrigin: string },
): Refusal | undefined {
  if (!rule) return 'forbidden';
  const sameOrigin = req.method === 'POST' && req.origin !== undefined && req.origin === req.ownOrigin;
  if (rule.changes === 'always' && !sameOrigin) return 'forbidden';
  if (rule.who === 'anyone') return undefined;
  const p = who.principal;
  if (!p) return rule.credential === 'panel' ? (who.expired ? 'expired' : 'signIn') : 'forbidden';
  if (!rule.who.includes(p.role)) return 'forbidden';
  if (rule.changes === 'cookie' && (p.via === 'cookie' || p.via === 'panel') && !sameOrigin) return 'forbidden';
  return undefined;
}

// What every part of the wallboard shares: the page's state and two small DOM helpers.

export const $ = (id) => document.getElementById(id);

export function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

export const KEYS = { limit: 'agentgate.pauseLimitMin', waitLimit: 'agentgate.waitLimitS', pbx: 'agentgate.pbx' };

export const ui = {
  limitMin: Number(localStorage.getItem(KEYS.limit)) || 15,
  agents: [],
  /** /api/queues: callers waiting per queue, each with `at`: when it was read or last patched (our clock). */
  queues: [],
  waitLimitS: Number(localStorage.getItem(KEYS.waitLimit)) || 60,
  /** Server clock minus ours, so timers agree with the server's `since`. */
  skewMs: 0,
  connected: false,
  everConnected: false,
  source: undefined,
  lastEventId: undefined,
  retryMs: 1000,
  /** /api/me: the credential's role and scope; undefined until read. */
  me: undefined,
  /** The last refused command's answer, by agent: shown on its tiles until the next command. */
  notes: new Map(),
  /** /api/breaks/due: agents whose rest break is due (docs/pauses.md, "Breaks"), login → since when. */
  restDue: new Map(),
  /** One PBX's agents and queues (CONTRACT §9), or '' for all: from the address (`?pbx=`), else as last chosen. */
  pbx: new URLSearchParams(location.search).get('pbx') ?? localStorage.getItem(KEYS.pbx) ?? '',
};

export function elapsed(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(h ? 2 : 1, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

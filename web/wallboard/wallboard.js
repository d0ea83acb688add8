// The wallboard: /api/agents drawn as tiles grouped by queue, redrawn on every event of the live feed;
// the feed's call and queue messages patch the tiles and queue headers they name.
// Plain browser JavaScript, no build step; everything it loads comes from agentgate itself.

const TEXT = {
  en: {
    title: 'Agents', tabLive: 'Live', tabReports: 'Reports', limit: 'Default pause limit (min)', reasonLimit: "this reason's limit",
    available: 'Available', paused: 'Paused', logged_off: 'Logged off',
    loggedIn: 'logged in', noQueue: 'No queue', noReason: 'no reason', pausesByReason: 'Paused by reason',
    nobodyPaused: 'Nobody paused', connecting: 'Connecting…', live: 'Live', lost: 'Connection lost — reconnecting…',
    tokenTitle: 'Access token',
    tokenHelp: 'This address may not see the wallboard without a token. Enter an API token: it is kept for this browser session only.',
    tokenButton: 'Open', tokenBad: 'Token refused', noAgents: 'No agents provisioned', overdue: 'over the limit',
    pausedIn: 'paused in',
  },
  pt_BR: {
    title: 'Agentes', tabLive: 'Ao vivo', tabReports: 'Relatórios', limit: 'Limite padrão de pausa (min)', reasonLimit: 'limite deste motivo',
    available: 'Disponível', paused: 'Em pausa', logged_off: 'Deslogado',
    loggedIn: 'logados', noQueue: 'Sem fila', noReason: 'sem motivo', pausesByReason: 'Pausas por motivo',
    nobodyPaused: 'Ninguém em pausa', connecting: 'Conectando…', live: 'Ao vivo', lost: 'Conexão perdida — reconectando…',
    tokenTitle: 'Token de acesso',
    tokenHelp: 'Este endereço não vê o painel sem um token. Informe um token da API: ele fica guardado só nesta sessão do navegador.',
    tokenButton: 'Entrar', tokenBad: 'Token recusado', noAgents: 'Nenhum agente cadastrado', overdue: 'acima do limite',
    pausedIn: 'em pausa em',
  },
};

// Queue calls (live state from Asterisk): their words, kept apart from the rest.
const CALL_TEXT = {
  en: {
    ringing: 'Ringing', on_call: 'On a call', waiting: 'waiting', longestWait: 'longest', waitLimit: 'Wait alert (s)',
    longWait: 'callers waiting too long',
  },
  pt_BR: {
    ringing: 'Tocando', on_call: 'Em ligação', waiting: 'aguardando', longestWait: 'maior espera', waitLimit: 'Alerta de espera (s)',
    longWait: 'clientes esperando demais',
  },
};
for (const lang of Object.keys(CALL_TEXT)) Object.assign(TEXT[lang], CALL_TEXT[lang]);

const KEYS = { lang: 'agentgate.lang', limit: 'agentgate.pauseLimitMin', token: 'agentgate.token', waitLimit: 'agentgate.waitLimitS' };
const STATE_ORDER = { paused: 0, available: 1, logged_off: 2 };
const $ = (id) => document.getElementById(id);

const ui = {
  lang: pickLanguage(),
  limitMin: Number(localStorage.getItem(KEYS.limit)) || 15,
  token: takeToken(),
  agents: [],
  /** /api/queues: callers waiting per queue, each with `at`: when it was read or last patched (our clock). */
  queues: [],
  waitLimitS: Number(localStorage.getItem(KEYS.waitLimit)) || 60,
  /** Server clock minus ours, so timers agree with the server's `since`. */
  skewMs: 0,
  connected: false,
  source: undefined,
  lastEventId: undefined,
  retryMs: 1000,
};

function pickLanguage() {
  const saved = localStorage.getItem(KEYS.lang);
  if (saved && TEXT[saved]) return saved;
  const wanted = navigator.languages?.[0] ?? navigator.language ?? 'en';
  return /^pt\b/i.test(wanted) ? 'pt_BR' : 'en';
}

/** A `?token=` in the address moves to this session's storage and out of the address bar. */
function takeToken() {
  const url = new URL(location.href);
  const given = url.searchParams.get('token');
  if (given) {
    sessionStorage.setItem(KEYS.token, given);
    url.searchParams.delete('token');
    history.replaceState(null, '', url.pathname + url.search + url.hash);
  }
  return sessionStorage.getItem(KEYS.token) ?? undefined;
}

const t = (key) => TEXT[ui.lang][key] ?? TEXT.en[key] ?? key;

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

function applyLanguage() {
  document.documentElement.lang = ui.lang === 'pt_BR' ? 'pt-BR' : 'en';
  for (const node of document.querySelectorAll('[data-t]')) node.textContent = t(node.dataset.t);
  for (const b of document.querySelectorAll('[data-lang]')) b.setAttribute('aria-pressed', String(b.dataset.lang === ui.lang));
  document.title = `agentgate — ${t('title')}`;
  showConnection();
  render();
}

function showConnection() {
  const c = $('conn');
  const state = ui.connected ? 'live' : ui.everConnected ? 'lost' : 'connecting';
  c.dataset.state = state;
  c.textContent = t(state);
  document.body.classList.toggle('offline', state === 'lost');
}

// ---- data

function withToken(path) {
  if (!ui.token) return path;
  const u = new URL(path, location.href);
  u.searchParams.set('token', ui.token);
  return u.pathname + u.search;
}

let fetching = false;
let fetchAgain = false;
/** Call messages that came while /api/agents was being read, by agent. */
let callsWhileReading;

/** Reads /api/agents and redraws; calls made while one is on its way are folded into one more. */
async function refresh() {
  if (fetching) {
    fetchAgain = true;
    return;
  }
  fetching = true;
  callsWhileReading = new Map();
  try {
    const res = await fetch('/api/agents', { headers: ui.token ? { authorization: `Bearer ${ui.token}` } : {}, cache: 'no-store' });
    if (res.status === 403) {
      askToken(Boolean(ui.token));
      return;
    }
    if (!res.ok) return;
    const date = Date.parse(res.headers.get('date') ?? '');
    if (!Number.isNaN(date)) ui.skewMs = date - Date.now();
    ui.agents = (await res.json()).agents;
    // a call step announced while the list was on its way may be newer than what it says
    for (const [agent, call] of callsWhileReading) {
      const a = ui.agents.find((x) => x.agent === agent);
      if (a) a.call = call;
    }
    hideToken();
    render();
    if (!ui.source) connect();
  } catch {
    // the feed's error handler says the connection is lost; the next event or reconnect reads again
  } finally {
    fetching = false;
    callsWhileReading = undefined;
    if (fetchAgain) {
      fetchAgain = false;
      setTimeout(refresh, 100);
    }
  }
}

function connect() {
  ui.source?.close();
  const url = new URL(withToken('/api/events/stream'), location.href);
  if (ui.lastEventId) url.searchParams.set('last_event_id', ui.lastEventId);
  const source = new EventSource(url.pathname + url.search);
  ui.source = source;
  source.onopen = () => {
    ui.connected = true;
    ui.everConnected = true;
    ui.retryMs = 1000;
    showConnection();
    refresh(); // whatever happened while we were away
    refreshQueues();
  };
  source.onmessage = (e) => {
    ui.lastEventId = e.lastEventId || ui.lastEventId;
    refresh();
  };
  listenForCalls(source);
  source.onerror = () => {
    ui.connected = false;
    showConnection();
    // The browser retries by itself unless the server answered with an error: then we do.
    if (source.readyState === EventSource.CLOSED) {
      ui.source = undefined;
      setTimeout(() => (ui.source ? undefined : refresh().then(() => ui.source ?? connect())), ui.retryMs);
      ui.retryMs = Math.min(ui.retryMs * 2, 15000);
    }
  };
}

// ---- token

function askToken(refused) {
  ui.source?.close();
  ui.source = undefined;
  $('token-form').hidden = false;
  $('token-error').hidden = !refused;
  $('token').focus();
}

function hideToken() {
  $('token-form').hidden = true;
}

$('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  ui.token = $('token').value.trim();
  sessionStorage.setItem(KEYS.token, ui.token);
  refresh();
});

// ---- drawing

function groups() {
  const byQueue = new Map();
  const add = (queue, agent, state) => {
    if (!byQueue.has(queue)) byQueue.set(queue, []);
    byQueue.get(queue).push({ agent, state });
  };
  for (const a of ui.agents) {
    if (a.state === 'logged_off') {
      const home = a.default_queues?.length ? a.default_queues : [''];
      for (const q of home) add(q, a, 'logged_off');
    } else {
      for (const q of a.queues) add(q, a, a.paused_queues.includes(q) ? 'paused' : 'available');
    }
  }
  const names = [...byQueue.keys()].sort((x, y) => (x === '' ? 1 : y === '' ? -1 : x.localeCompare(y)));
  return names.map((queue) => ({
    queue,
    members: byQueue.get(queue).sort((x, y) => STATE_ORDER[x.state] - STATE_ORDER[y.state] || x.agent.name.localeCompare(y.agent.name)),
  }));
}

function render() {
  const board = $('board');
  const all = groups();
  board.replaceChildren(...all.map(drawGroup));
  if (ui.agents.length === 0) board.append(el('p', 'empty', t('noAgents')));
  drawCounts(all);
  tick();
  tickCalls();
}

function drawGroup({ queue, members }) {
  const section = el('section', 'queue');
  section.dataset.queue = queue;
  const head = el('h2', 'queue-name', queue || t('noQueue'));
  if (queue) head.append(waitingBadge(queue));
  section.append(head);
  const grid = el('div', 'tiles');
  for (const m of members) grid.append(drawTile(m, queue));
  section.append(grid);
  return section;
}

function drawTile({ agent, state }, queue) {
  const tile = el('article', `tile ${state}`);
  tile.dataset.agent = agent.agent;
  tile.dataset.queue = queue;
  tile.dataset.state = state;
  if (agent.since) tile.dataset.since = agent.since;
  tile.append(el('div', 'name', agent.name));
  tile.append(el('div', 'who', agent.exten ? `${agent.agent} · ${agent.exten}` : agent.agent));
  tile.append(el('div', 'state', t(state)));
  if (state === 'paused') tile.append(el('div', 'reason', agent.reason ?? t('noReason')));
  // paused in some of its other queues: say where
  if (state === 'available' && agent.paused_queues.length > 0) {
    tile.append(el('div', 'partial', `${t('pausedIn')} ${agent.paused_queues.join(', ')}`));
  }
  if (state !== 'logged_off' || agent.since) {
    const clock = el('div', 'clock');
    clock.append(el('span', 'timer', ''));
    // a pause whose reason has a limit: the limit beside the timer; it replaces the page's setting
    if (state === 'paused' && agent.max_minutes) {
      tile.dataset.limit = String(agent.max_minutes);
      const max = el('span', 'max', `/ ${agent.max_minutes} min`);
      max.title = t('reasonLimit');
      clock.append(max);
    }
    if (state === 'paused' && agent.overdue) tile.dataset.overdue = 'true';
    tile.append(clock);
  }
  drawCall(tile, agent);
  return tile;
}

function drawCounts(all) {
  const queues = $('queue-counts');
  queues.replaceChildren(
    ...all
      .filter((g) => g.queue !== '')
      .map((g) => {
        const n = { available: 0, paused: 0, logged_off: 0 };
        for (const m of g.members) n[m.state]++;
        const chip = el('div', 'chip');
        chip.dataset.queue = g.queue;
        chip.append(el('span', 'chip-name', g.queue));
        chip.append(el('span', 'count in', `${n.available + n.paused} ${t('loggedIn')}`));
        chip.append(el('span', 'count available', `${n.available} ${t('available')}`));
        chip.append(el('span', 'count paused', `${n.paused} ${t('paused')}`));
        chip.append(waitingBadge(g.queue));
        return chip;
      }),
  );
  const reasons = new Map();
  for (const a of ui.agents) {
    if (a.paused_queues.length === 0) continue;
    const r = a.reason ?? t('noReason');
    reasons.set(r, (reasons.get(r) ?? 0) + 1);
  }
  const box = $('reason-counts');
  const title = el('span', 'chip-name', t('pausesByReason'));
  const chips = [...reasons.entries()].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0])).map(([reason, n]) => {
    const chip = el('div', 'chip reason-chip');
    chip.dataset.reason = reason;
    chip.append(el('span', 'count paused', String(n)), el('span', 'chip-name', reason));
    return chip;
  });
  box.replaceChildren(title, ...(chips.length ? chips : [el('span', 'muted', t('nobodyPaused'))]));
}

function elapsed(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(h ? 2 : 1, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/**
 * Every second: the timers, and which pauses are over the limit: the reason's own limit when it has
 * one (and the record's word once agentgate found it overdue), else the page's setting.
 */
function tick() {
  const now = Date.now() + ui.skewMs;
  for (const tile of document.querySelectorAll('.tile[data-since]')) {
    const ms = now - Date.parse(tile.dataset.since);
    const timer = tile.querySelector('.timer');
    if (timer) timer.textContent = elapsed(ms);
    const limitMs = Number(tile.dataset.limit ?? ui.limitMin) * 60_000;
    const over = tile.dataset.state === 'paused' && (tile.dataset.overdue === 'true' || ms > limitMs);
    if (over !== tile.classList.contains('overdue')) {
      tile.classList.toggle('overdue', over);
      tile.title = over ? t('overdue') : '';
    }
  }
}

// ---- settings

const limit = $('limit');
limit.value = String(ui.limitMin);
limit.addEventListener('change', () => {
  const v = Number(limit.value);
  if (!Number.isFinite(v) || v <= 0) {
    limit.value = String(ui.limitMin);
    return;
  }
  ui.limitMin = v;
  localStorage.setItem(KEYS.limit, String(v));
  tick();
});

for (const b of document.querySelectorAll('[data-lang]')) {
  b.addEventListener('click', () => {
    ui.lang = b.dataset.lang;
    localStorage.setItem(KEYS.lang, ui.lang);
    applyLanguage();
  });
}

// ---- queue calls: who rings, who talks, who waits

/** The call on the agent's phone, on each of its tiles (a paused agent finishing a call shows both). */
function drawCall(tile, agent) {
  const call = agent.call;
  if (!call) return;
  tile.dataset.call = call.state;
  const box = el('div', `call ${call.state}`);
  box.append(el('span', 'call-state', t(call.state)));
  box.append(el('span', 'call-queue', call.queue));
  if (call.caller) box.append(el('span', 'call-caller', call.caller));
  if (call.since) {
    box.dataset.since = call.since;
    box.append(el('span', 'call-timer', ''));
  }
  tile.append(box);
}

/** "2 waiting · longest 1:05" for a queue, highlighted past the page's wait alert. */
function waitingBadge(queue) {
  const badge = el('span', 'waiting');
  badge.dataset.queue = queue;
  const q = ui.queues.find((x) => x.queue === queue);
  const n = q?.waiting ?? 0;
  badge.dataset.waiting = String(n);
  badge.append(el('span', 'waiting-count', `${n} ${t('waiting')}`));
  if (n > 0) badge.append(el('span', 'waiting-longest', ''));
  return badge;
}

let fetchingQueues = false;
let queuesAgain = false;
/** Queue messages that came while /api/queues was being read, by queue. */
let queuesWhileReading;

/** Reads /api/queues (callers waiting) and redraws; calls made meanwhile fold into one more. */
async function refreshQueues() {
  if (fetchingQueues) {
    queuesAgain = true;
    return;
  }
  fetchingQueues = true;
  queuesWhileReading = new Map();
  try {
    const res = await fetch('/api/queues', { headers: ui.token ? { authorization: `Bearer ${ui.token}` } : {}, cache: 'no-store' });
    if (!res.ok) return;
    const at = Date.now();
    ui.queues = (await res.json()).queues.map((q) => ({ ...q, at }));
    for (const q of queuesWhileReading.values()) setQueue(q);
    render();
  } catch {
    // the feed's error handler says the connection is lost; it reads again when back
  } finally {
    fetchingQueues = false;
    queuesWhileReading = undefined;
    if (queuesAgain) {
      queuesAgain = false;
      setTimeout(refreshQueues, 100);
    }
  }
}

/**
 * The feed's `call` and `queue` messages say the whole new state of one agent's call and of one
 * queue's waiting callers: the tiles and queue headers they name are patched, nothing is read (a
 * read of /api/agents per call step, per open wallboard, would be every agent of a big centre many
 * times a second). Events of the record still read the lists again: they change the record.
 */
function listenForCalls(source) {
  source.addEventListener('call', (e) => patchCall(JSON.parse(e.data)));
  source.addEventListener('queue', (e) => patchQueue(JSON.parse(e.data)));
}

function patchCall({ agent, call }) {
  if (!agent) return; // a member agentgate does not know has no tile
  callsWhileReading?.set(agent, call);
  const a = ui.agents.find((x) => x.agent === agent);
  if (!a) return;
  a.call = call;
  for (const tile of document.querySelectorAll(`.tile[data-agent="${CSS.escape(agent)}"]`)) {
    tile.querySelector(':scope > .call')?.remove();
    delete tile.dataset.call;
    drawCall(tile, a);
  }
  tickCalls();
}

function patchQueue(q) {
  queuesWhileReading?.set(q.queue, q);
  setQueue(q);
  for (const badge of document.querySelectorAll(`.waiting[data-queue="${CSS.escape(q.queue)}"]`)) badge.replaceWith(waitingBadge(q.queue));
  tickCalls();
}

function setQueue({ queue, waiting, longest_wait_s }) {
  const known = ui.queues.find((x) => x.queue === queue);
  const now = { waiting, longest_wait_s, at: Date.now() };
  if (known) Object.assign(known, now);
  else ui.queues.push({ queue, ...now });
}

/** Every second: the calls' timers and the longest waits. */
function tickCalls() {
  const now = Date.now() + ui.skewMs;
  for (const box of document.querySelectorAll('.call[data-since]')) {
    const timer = box.querySelector('.call-timer');
    if (timer) timer.textContent = elapsed(now - Date.parse(box.dataset.since));
  }
  for (const badge of document.querySelectorAll('.waiting[data-queue]')) {
    const q = ui.queues.find((x) => x.queue === badge.dataset.queue);
    const longest = q && q.waiting > 0 ? q.longest_wait_s * 1000 + (Date.now() - q.at) : 0;
    const out = badge.querySelector('.waiting-longest');
    if (out) out.textContent = `${t('longestWait')} ${elapsed(longest)}`;
    const over = longest > ui.waitLimitS * 1000;
    badge.classList.toggle('long-wait', over);
    badge.title = over ? t('longWait') : '';
  }
}

const waitLimit = $('wait-limit');
waitLimit.value = String(ui.waitLimitS);
waitLimit.addEventListener('change', () => {
  const v = Number(waitLimit.value);
  if (!Number.isFinite(v) || v <= 0) {
    waitLimit.value = String(ui.waitLimitS);
    return;
  }
  ui.waitLimitS = v;
  localStorage.setItem(KEYS.waitLimit, String(v));
  tickCalls();
});

applyLanguage();
setInterval(tick, 1000);
setInterval(tickCalls, 1000);
refresh();
refreshQueues();

// The data: /api/agents and /api/queues, read again on every event of the live feed; the feed's
// call and queue messages patch the tiles and queue headers they name. The credential is the
// page's cookie, which the browser sends by itself: nothing here holds a key.

import { $, ui } from './dom.js';
import { t } from './i18n.js';
import { drawCall, render, tickCalls, waitingBadge } from './tiles.js';

/** Live, lost or connecting, in the header. */
export function showConnection() {
  const c = $('conn');
  const state = ui.connected ? 'live' : ui.everConnected ? 'lost' : 'connecting';
  c.dataset.state = state;
  c.textContent = t(state);
  document.body.classList.toggle('offline', state === 'lost');
}

let fetching = false;
let fetchAgain = false;
/** Call messages that came while /api/agents was being read, by agent. */
let callsWhileReading;

/** Reads /api/agents and redraws; calls made while one is on its way are folded into one more. */
export async function refresh() {
  if (fetching) {
    fetchAgain = true;
    return;
  }
  fetching = true;
  callsWhileReading = new Map();
  try {
    const res = await fetch(ui.pbx ? `/api/agents?pbx=${encodeURIComponent(ui.pbx)}` : '/api/agents', { cache: 'no-store' });
    if (res.status === 403) {
      askToken();
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

export function connect() {
  ui.source?.close();
  const url = new URL('/api/events/stream', location.href);
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

let fetchingQueues = false;
let queuesAgain = false;
/** Queue messages that came while /api/queues was being read, by queue. */
let queuesWhileReading;

/** Reads /api/queues (callers waiting) and redraws; calls made meanwhile fold into one more. */
export async function refreshQueues() {
  if (fetchingQueues) {
    queuesAgain = true;
    return;
  }
  fetchingQueues = true;
  queuesWhileReading = new Map();
  try {
    const res = await fetch('/api/queues', { cache: 'no-store' });
    if (!res.ok) return;
    const at = Date.now();
    ui.queues = (await res.json()).queues.map((q) => ({ ...q, at }));
    showPbxes();
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

function setQueue({ queue, pbx, waiting, longest_wait_s }) {
  const known = ui.queues.find((x) => x.queue === queue);
  const now = { waiting, longest_wait_s, at: Date.now() };
  if (known) Object.assign(known, now);
  else ui.queues.push({ queue, pbx, ...now });
}

// ---- the key: exchanged by the server for an HttpOnly cookie, so the page never holds it

/** The address the page was opened at still has a `token=` when the server refused it. */
const refusedToken = new URL(location.href).searchParams.has('token');
if (refusedToken) {
  const url = new URL(location.href);
  url.searchParams.delete('token');
  history.replaceState(null, '', url.pathname + url.search + url.hash);
}

function askToken() {
  ui.source?.close();
  ui.source = undefined;
  $('token-form').hidden = false;
  $('token-error').hidden = !refusedToken;
  $('token').focus();
}

function hideToken() {
  $('token-form').hidden = true;
}

/** The typed key goes to the server the way a bookmark's does: it sets the cookie and comes back without it. */
$('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const url = new URL(location.href);
  url.searchParams.set('token', $('token').value.trim());
  location.assign(url.pathname + url.search);
});

/** The PBX picker: there only when the queues are on more than one PBX (or one was asked for by address). */
function showPbxes() {
  const names = [...new Set(ui.queues.map((q) => q.pbx).filter(Boolean))].sort();
  if (ui.pbx && !names.includes(ui.pbx)) names.push(ui.pbx);
  const select = $('pbx');
  const all = select.options[0];
  select.replaceChildren(all, ...names.map((n) => Object.assign(document.createElement('option'), { value: n, textContent: n })));
  select.value = ui.pbx;
  $('pbx-filter').hidden = names.length < 2 && !ui.pbx;
}

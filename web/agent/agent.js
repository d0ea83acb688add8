// The agent panel: one agent signs in with login and PIN, sees its own state live (/agent/events)
// and logs in, pauses, unpauses and logs off through /agent/command.
// Plain browser JavaScript, no build step; everything it loads comes from agentgate itself.
// The names of the controls (Agent, PIN, Extension, Reason, Sign in, Log in, Pause, Unpause,
// Log off, Sign out) are the contract's (CONTRACT §8) and stay as they are in every language.

import { drawPending, waitLabel } from './pending.js';

const TEXT = {
  en: {
    signInTitle: 'Agent panel', queues: 'Queues',
    available: 'Available', paused: 'Paused', logged_off: 'Logged off',
    reason: 'Reason', limit: 'limit', minutes: 'min', overLimit: 'over the limit', noReason: 'no reason',
    pinWrong: 'Agent or PIN wrong.', pinLocked: 'Too many wrong PINs. Try again later.',
    expired: 'Your session expired. Sign in again.', signInAgain: 'Sign in to continue.',
    signedOut: 'Signed out.', unreachable: 'agentgate cannot be reached. Try again.',
    live: 'Live', reconnecting: 'Connection lost — reconnecting…', noQueue: 'Pick at least one queue.',
  },
  pt_BR: {
    signInTitle: 'Painel do agente', queues: 'Filas',
    available: 'Disponível', paused: 'Em pausa', logged_off: 'Deslogado',
    reason: 'Motivo', limit: 'limite', minutes: 'min', overLimit: 'acima do limite', noReason: 'sem motivo',
    pinWrong: 'Agente ou PIN incorreto.', pinLocked: 'PIN errado vezes demais. Tente mais tarde.',
    expired: 'Sua sessão expirou. Entre novamente.', signInAgain: 'Entre para continuar.',
    signedOut: 'Sessão encerrada.', unreachable: 'Não foi possível falar com o agentgate. Tente de novo.',
    live: 'Ao vivo', reconnecting: 'Conexão perdida — reconectando…', noQueue: 'Escolha ao menos uma fila.',
  },
};

function language() {
  const wanted = navigator.languages?.[0] ?? navigator.language ?? 'en';
  return /^pt\b/i.test(wanted) ? 'pt_BR' : 'en';
}
const lang = language();
const t = (key) => TEXT[lang][key] ?? TEXT.en[key] ?? key;
const $ = (id) => document.getElementById(id);

/** What the panel knows: the last /agent/me, the feed, the timers. */
// `signedOut` counts the returns to the sign-in form: an answer asked for before one arrives late
// and is dropped, so a panel never comes back after "Sign out"
const ui = { me: undefined, shownState: undefined, reasonsKey: '', events: undefined, tick: undefined, idleCheck: undefined, signedOut: 0 };

/** A refusal that means the sign-in is gone: back to the form, saying why. */
class SignedOut extends Error {
  constructor(expired) {
    super('signed out');
    this.expired = expired;
  }
}

/** Same-origin JSON; the server refuses a state change from any other origin. */
async function call(method, url, body) {
  const res = await fetch(url, {
    method,
    credentials: 'same-origin',
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await res.json().catch(() => ({}));
  if (res.status === 401 && url !== '/agent/signin') throw new SignedOut(data.error === 'Session expired');
  return { status: res.status, data };
}

function showSignIn(message) {
  ui.signedOut += 1;
  ui.me = undefined;
  ui.shownState = undefined;
  ui.events?.close();
  ui.events = undefined;
  clearInterval(ui.tick);
  clearTimeout(ui.idleCheck);
  $('panel').hidden = true;
  $('signin').hidden = false;
  const m = $('signin-message');
  m.textContent = message ?? '';
  m.className = message === t('signedOut') ? 'message ok' : 'message';
  $('pin').value = '';
  $(($('agent').value ? 'pin' : 'agent')).focus();
}

/** Any failure of a call, said where the agent looks. */
function failed(err) {
  if (err instanceof SignedOut) return showSignIn(err.expired ? t('expired') : t('signInAgain'));
  if ($('panel').hidden) $('signin').hidden = false;
  const target = $('panel').hidden ? $('signin-message') : $('panel-message');
  target.className = 'message';
  target.textContent = t('unreachable');
}

/** Shows the panel as /agent/me says it is; false when the agent signed out while it asked. */
async function loadMe() {
  const asked = ui.signedOut;
  const { status, data } = await call('GET', '/agent/me');
  if (asked !== ui.signedOut) return false; // signed out meanwhile: the form stays
  if (status !== 200) throw new Error(data.error ?? String(status));
  ui.me = data;
  render();
  watchIdle();
  return true;
}

/** An idle session ends on the server; the panel notices it without waiting for the agent's next click. */
function watchIdle() {
  clearTimeout(ui.idleCheck);
  const s = ui.me?.idle_timeout_s;
  if (!s) return;
  ui.idleCheck = setTimeout(() => loadMe().catch(failed), s * 1000 + 1000);
}

function render() {
  const me = ui.me;
  const st = me.status;
  $('signin').hidden = true;
  $('panel').hidden = false;
  $('name').textContent = me.name ? `${me.name} (${me.agent})` : me.agent;
  const state = st.state;
  $('state').dataset.state = state;
  $('state-text').textContent = t(state);

  const reason = state === 'paused' ? reasonOf(st.reason) : undefined;
  const info = $('pause-info');
  info.hidden = state !== 'paused';
  if (state === 'paused') {
    const name = st.reason ?? t('noReason');
    info.textContent = reason?.max_minutes ? `${t('reason')}: ${name} · ${t('limit')} ${reason.max_minutes} ${t('minutes')}` : `${t('reason')}: ${name}`;
  }

  drawPending(st, $('pending'), $('panel-message'), lang);
  $('login').hidden = state !== 'logged_off';
  $('pause').hidden = state !== 'available';
  $('actions').hidden = state === 'logged_off';
  $('unpause').hidden = state !== 'paused';
  if (state === 'logged_off' && ui.shownState !== 'logged_off') fillLogin();
  fillReasons();
  ui.shownState = state;

  clearInterval(ui.tick);
  const since = st.since ? Date.parse(st.since) : NaN;
  const limitMs = reason?.max_minutes ? reason.max_minutes * 60_000 : Infinity;
  const draw = () => {
    if (Number.isNaN(since)) return ($('timer').textContent = '');
    const ms = Math.max(0, Date.now() - since);
    $('timer').textContent = clock(ms);
    $('state').classList.toggle('over', ms > limitMs);
  };
  draw();
  ui.tick = setInterval(draw, 1000);
}

function reasonOf(name) {
  if (!name) return undefined;
  return ui.me.reasons.find((r) => r.name.toLowerCase() === name.toLowerCase());
}

function clock(ms) {
  const s = Math.floor(ms / 1000);
  const two = (n) => String(n).padStart(2, '0');
  return `${Math.floor(s / 3600)}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`;
}

/** The log-in form afresh: the default queues checked, the last extension used on this device. */
function fillLogin() {
  const box = $('queues');
  box.replaceChildren();
  for (const q of ui.me.queues) {
    const label = document.createElement('label');
    const input = document.createElement('input');
    input.type = 'checkbox';
    input.name = 'queue';
    input.value = q.name;
    input.checked = ui.me.default_queues.includes(q.name);
    label.append(input, document.createTextNode(q.name));
    box.append(label);
  }
  $('exten').value = localStorage.getItem('agentgate.exten') ?? '';
}

/** The reasons select, rebuilt only when the configured list changes (a pick in progress is kept). */
function fillReasons() {
  const key = JSON.stringify(ui.me.reasons);
  if (key === ui.reasonsKey) return;
  ui.reasonsKey = key;
  const select = $('reason');
  select.replaceChildren();
  for (const r of ui.me.reasons) {
    const option = document.createElement('option');
    option.value = String(r.code);
    option.textContent = r.max_minutes ? `${r.name} (${r.max_minutes} ${t('minutes')})` : r.name;
    select.append(option);
  }
}

function follow() {
  if (ui.events) return;
  const events = new EventSource('/agent/events');
  ui.events = events;
  let queued = false;
  // a burst of events is one reload: /agent/me says the state after all of them
  const reload = () => {
    if (queued) return;
    queued = true;
    setTimeout(() => {
      queued = false;
      loadMe().catch(failed);
    }, 50);
  };
  events.onopen = () => ($('live').textContent = t('live'));
  events.onmessage = reload;
  events.addEventListener('call', reload);
  events.onerror = () => {
    $('live').textContent = t('reconnecting');
    // a stream refused (401) is not retried by the browser: /agent/me says whether the sign-in is gone
    if (events.readyState === EventSource.CLOSED) {
      ui.events = undefined;
      loadMe().then((shown) => shown && follow(), failed);
    }
  };
}

async function command(body, button) {
  const message = $('panel-message');
  button.disabled = true;
  try {
    const { data } = await call('POST', '/agent/command', { agent: ui.me.agent, ...body });
    message.className = data.success ? 'message ok' : 'message';
    message.textContent = data.success ?? data.error ?? '';
    await loadMe();
  } catch (err) {
    failed(err);
  } finally {
    button.disabled = false;
  }
}

function wire() {
  document.documentElement.lang = lang === 'pt_BR' ? 'pt-BR' : 'en';
  for (const node of document.querySelectorAll('[data-t]')) node.textContent = t(node.dataset.t);
  $('wait-text').textContent = waitLabel(lang);

  $('signin').addEventListener('submit', async (e) => {
    e.preventDefault();
    const button = e.submitter ?? $('signin').querySelector('button');
    button.disabled = true;
    try {
      const { status } = await call('POST', '/agent/signin', { agent: $('agent').value.trim(), pin: $('pin').value.trim() });
      if (status === 200) {
        $('signin-message').textContent = '';
        $('panel-message').textContent = '';
        if (await loadMe()) follow();
      } else showSignIn(status === 429 ? t('pinLocked') : t('pinWrong'));
    } catch (err) {
      failed(err);
    } finally {
      button.disabled = false;
    }
  });

  $('login').addEventListener('submit', (e) => {
    e.preventDefault();
    const queues = [...document.querySelectorAll('#queues input:checked')].map((i) => i.value);
    if (queues.length === 0) {
      $('panel-message').className = 'message';
      $('panel-message').textContent = t('noQueue');
      return;
    }
    const exten = $('exten').value.trim();
    localStorage.setItem('agentgate.exten', exten);
    command({ command: 'login', exten, queue: queues }, e.submitter ?? $('login').querySelector('button'));
  });
  $('pause').addEventListener('submit', (e) => {
    e.preventDefault();
    command({ command: 'pause', reason: $('reason').value, ...($('wait').checked ? { wait: '1' } : {}) }, e.submitter ?? $('pause').querySelector('button'));
  });
  $('unpause').addEventListener('click', () => command({ command: 'unpause' }, $('unpause')));
  $('logoff').addEventListener('click', () => command({ command: 'logoff' }, $('logoff')));
  $('signout').addEventListener('click', async () => {
    try {
      await call('POST', '/agent/signout');
    } catch {
      // signed out either way: the form is shown
    }
    showSignIn(t('signedOut'));
  });
}

wire();
loadMe()
  .then((shown) => shown && follow())
  .catch((err) => (err instanceof SignedOut && !err.expired ? showSignIn() : failed(err)));

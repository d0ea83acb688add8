// The wallboard: live tiles of the agents grouped by queue (tiles.js), fed by the API and its live
// feed (feed.js); a supervisor or admin gets the commands on them (actions.js).
// Plain browser modules, no build step; everything it loads comes from agentgate itself.

import { readMe } from './actions.js';
import { watchRestDue } from './breaks.js';
import { $, KEYS, ui } from './dom.js';
import { refresh, refreshQueues, showConnection } from './feed.js';
import { LANG_KEY, i18n, knownLanguage, t } from './i18n.js';
import { render, tick, tickCalls } from './tiles.js';

function applyLanguage() {
  document.documentElement.lang = i18n.lang === 'pt_BR' ? 'pt-BR' : 'en';
  for (const node of document.querySelectorAll('[data-t]')) node.textContent = t(node.dataset.t);
  for (const b of document.querySelectorAll('[data-lang]')) b.setAttribute('aria-pressed', String(b.dataset.lang === i18n.lang));
  document.title = `agentgate — ${t('title')}`;
  showConnection();
  render();
}

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
    if (!knownLanguage(b.dataset.lang)) return;
    i18n.lang = b.dataset.lang;
    localStorage.setItem(LANG_KEY, i18n.lang);
    applyLanguage();
  });
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

$('pbx').addEventListener('change', () => {
  ui.pbx = $('pbx').value;
  localStorage.setItem(KEYS.pbx, ui.pbx);
  refresh();
  render();
});

applyLanguage();
setInterval(tick, 1000);
setInterval(tickCalls, 1000);
// the buttons need the scope before the first tiles are drawn, or they would appear a redraw later
readMe().finally(() => {
  refresh();
  refreshQueues();
  watchRestDue();
});

// The tiles: /api/agents grouped by queue, the counts at the top, and the timers that run on them.

import { drawActions } from './actions.js';
import { $, el, elapsed, ui } from './dom.js';
import { i18n, t } from './i18n.js';

const STATE_ORDER = { paused: 0, available: 1, logged_off: 2 };

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
  // one PBX chosen: only its queues (an agent on its phones may be a member of another PBX's queue)
  if (ui.pbx) for (const q of [...byQueue.keys()]) if (q !== '' && (ui.queues.find((x) => x.queue === q)?.pbx ?? ui.pbx) !== ui.pbx) byQueue.delete(q);
  const names = [...byQueue.keys()].sort((x, y) => (x === '' ? 1 : y === '' ? -1 : x.localeCompare(y)));
  return names.map((queue) => ({
    queue,
    members: byQueue.get(queue).sort((x, y) => STATE_ORDER[x.state] - STATE_ORDER[y.state] || x.agent.name.localeCompare(y.agent.name)),
  }));
}

export function render() {
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
  // a pause waiting (docs/pauses.md): under a queue's floor, or for a supervisor's yes
  const pending = agent.pending_pause;
  if (pending && state !== 'logged_off') {
    const box = el('div', `pending${pending.approval ? ' asks' : ''}`, `${t(pending.approval ? 'pendingAsk' : 'pendingFloor')}${pending.reason ? `: ${pending.reason}` : ''}`);
    box.dataset.since = pending.since;
    tile.dataset.pending = pending.approval ? 'approval' : 'floor';
    tile.append(box);
  }
  // the breaks the law requires: the rest break is due (docs/pauses.md, "Breaks"); not shown on a pause
  const due = ui.restDue.get(agent.agent);
  if (due && state === 'available') {
    tile.dataset.restDue = 'true';
    const mark = el('div', 'rest-due', t('restDue'));
    mark.title = `${t('restDueSince')} ${new Date(due).toLocaleTimeString(i18n.lang === 'pt_BR' ? 'pt-BR' : 'en', { hour: '2-digit', minute: '2-digit' })}`;
    tile.append(mark);
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
  drawActions(tile, agent, state);
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

/**
 * Every second: the timers, and which pauses are over the limit: the reason's own limit when it has
 * one (and the record's word once agentgate found it overdue), else the page's setting.
 */
export function tick() {
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

/** The call on the agent's phone, on each of its tiles (a paused agent finishing a call shows both). */
export function drawCall(tile, agent) {
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
export function waitingBadge(queue) {
  const badge = el('span', 'waiting');
  badge.dataset.queue = queue;
  const q = ui.queues.find((x) => x.queue === queue);
  const n = q?.waiting ?? 0;
  badge.dataset.waiting = String(n);
  badge.append(el('span', 'waiting-count', `${n} ${t('waiting')}`));
  if (n > 0) badge.append(el('span', 'waiting-longest', ''));
  return badge;
}

/** Every second: the calls' timers and the longest waits. */
export function tickCalls() {
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

// A supervisor's commands on the tiles: Pause (with a reason), Unpause and Log off, and Approve /
// Deny for a pause that asks for a yes (docs/pauses.md), for the agents
// in the credential's scope. The server decides (src/access/scope.ts); the buttons only spare a
// display key, or a supervisor outside its queues, a refusal it could not act on.

import { $, el, ui } from './dom.js';
import { t } from './i18n.js';

/** Reads /api/me once: who the page's credential is, its scope and the pause reasons. */
export async function readMe() {
  try {
    const res = await fetch('/api/me', { cache: 'no-store' });
    if (res.ok) ui.me = await res.json();
  } catch {
    // no buttons until the next load; the board itself still follows the feed
  }
}

const commanding = () => ui.me?.role === 'supervisor' || ui.me?.role === 'admin';

/** Logged into one of the scope's queues, or with one of them among its default queues (queues null: all). */
function inScope(agent) {
  const scope = ui.me.queues;
  if (!scope) return true;
  return [...agent.queues, ...(agent.default_queues ?? [])].some((q) => scope.includes(q));
}

/** The buttons on one tile, and the answer of the last command on this agent that was refused. */
export function drawActions(tile, agent, state) {
  if (!commanding() || !inScope(agent)) return;
  const note = ui.notes.get(agent.agent);
  if (note) tile.append(el('div', 'note', note));
  if (state === 'logged_off') return;
  const box = el('div', 'actions');
  const button = (name, run) => {
    const b = el('button', `act ${name.toLowerCase().replace(' ', '-')}`, name);
    b.type = 'button';
    b.addEventListener('click', run);
    box.append(b);
  };
  if (agent.pending_pause?.approval) {
    button('Approve', () => send(agent.agent, { command: 'approve' }));
    button('Deny', () => send(agent.agent, { command: 'deny' }));
  }
  if (agent.paused_queues.length < agent.queues.length) button('Pause', () => askReason(agent));
  if (agent.paused_queues.length > 0) button('Unpause', () => send(agent.agent, { command: 'unpause' }));
  button('Log off', () => (agent.call ? confirmLogoff(agent) : send(agent.agent, { command: 'logoff' })));
  tile.append(box);
}

/**
 * The command, as a same-origin POST: the server takes the page's cookie only from its own Origin,
 * and the page's no-referrer policy would send that Origin as "null" (so this request says its own).
 */
async function send(agent, body) {
  ui.notes.delete(agent);
  let note;
  try {
    const res = await fetch('/api/agent.php', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, agent }),
      referrerPolicy: 'same-origin',
      cache: 'no-store',
    });
    const answer = await res.json().catch(() => ({}));
    if (!res.ok || answer.error) note = `${t('failed')}: ${answer.error ?? res.status}`;
  } catch {
    note = `${t('failed')}: ${t('lost')}`;
  }
  if (note) ui.notes.set(agent, note);
  // the feed redraws the board on the event a command writes; a refusal writes none
  for (const tile of document.querySelectorAll(`.tile[data-agent="${CSS.escape(agent)}"]`)) {
    tile.querySelector(':scope > .note')?.remove();
    if (note) tile.querySelector(':scope > .name')?.after(el('div', 'note', note));
  }
}

/** One dialog for the questions, outside the board: the feed's redraws leave it open. */
function ask(title, text, build, confirm, onYes) {
  const dialog = $('ask');
  $('ask-title').textContent = title;
  $('ask-text').textContent = text;
  const extra = $('ask-extra');
  extra.replaceChildren(...build());
  const yes = $('ask-yes');
  yes.textContent = confirm;
  $('ask-no').textContent = t('cancel');
  dialog.onclose = () => {
    if (dialog.returnValue === 'yes') onYes();
  };
  dialog.returnValue = '';
  dialog.showModal();
}

function askReason(agent) {
  const reasons = ui.me.reasons ?? [];
  let select;
  ask(t('reasonTitle'), `${agent.name} (${agent.agent}) — ${t('reasonFor')}`, () => {
    const label = el('label', 'ask-reason', t('reason'));
    select = el('select');
    select.required = true;
    for (const r of reasons) {
      const option = el('option', undefined, r.name);
      option.value = String(r.code);
      select.append(option);
    }
    label.append(select);
    return [label];
  }, 'Pause', () => send(agent.agent, { command: 'pause', reason: select.value }));
}

function confirmLogoff(agent) {
  ask(t('onCallTitle'), `${agent.name} (${agent.agent}) ${t('onCall')}`, () => [], 'Log off', () => send(agent.agent, { command: 'logoff' }));
}

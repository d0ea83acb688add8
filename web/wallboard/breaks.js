// Whose rest break is due (docs/pauses.md, "Breaks"): read every half minute; the tiles mark them.

import { ui } from './dom.js';
import { render } from './tiles.js';

const EVERY_MS = 30_000;

async function readDue() {
  try {
    const res = await fetch('/api/breaks/due', { cache: 'no-store' });
    if (!res.ok) return;
    const next = new Map((await res.json()).agents.map((a) => [a.agent, a.due_since]));
    const same = next.size === ui.restDue.size && [...next].every(([k, v]) => ui.restDue.get(k) === v);
    ui.restDue = next;
    if (!same) render();
  } catch {
    // offline: the connection line says so; the next round tries again
  }
}

export function watchRestDue() {
  void readDue();
  setInterval(readDue, EVERY_MS);
}

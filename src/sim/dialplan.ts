/**
 * manager.c's Command action for the CLI commands a health check asks (20-command-action.txt: one
 * `Output:` header per line, `Response: Error` when the command fails), over a dialplan read from
 * extensions.conf text: `dialplan show [context]` in pbx.c's layout (21b-device-state-cli.txt),
 * `core show version`. Not modelled: labels, includes, switches, hints made from patterns; any
 * other command answers "No such command" (its help suggestion is cli.c's find_best only for
 * two-word prefixes).
 */
import { readFileSync } from 'node:fs';
import { idLine, type Message } from './protocol.js';

interface Priority {
  /** 0 for a hint. */
  n: number;
  text: string;
  line: number;
}
interface Extension {
  name: string;
  priorities: Priority[];
}
export interface Context {
  name: string;
  extensions: Extension[];
}

/** The shipped dialplan (dialplan/agentgate.conf), from src/sim (tsx) and dist/sim (built) alike. */
export function shippedDialplan(): string {
  return readFileSync(new URL('../../dialplan/agentgate.conf', import.meta.url), 'utf8');
}

/** pbx_config's reading of `[context]`, `exten => name,prio,App(args)`, `same => n,…` and hints. */
export function parseDialplan(text: string): Context[] {
  const contexts: Context[] = [];
  let ctx: Context | undefined;
  let ext: Extension | undefined;
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/;.*$/, '').trim();
    const head = /^\[([^\]]+)\]/.exec(line);
    if (head) {
      ctx = contexts.find((c) => c.name === head[1]) ?? { name: head[1] as string, extensions: [] };
      if (!contexts.includes(ctx)) contexts.push(ctx);
      return;
    }
    const entry = /^(exten|same)\s*=>?\s*(.*)$/.exec(line);
    if (!ctx || !entry) return;
    const parts = (entry[2] as string).split(',');
    const name = entry[1] === 'exten' ? (parts.shift() ?? '').trim() : ext?.name;
    const prio = (parts.shift() ?? '').trim().replace(/\(.*\)$/, '');
    const app = parts.join(',').trim();
    if (name === undefined) return;
    ext = ctx.extensions.find((e) => e.name === name);
    if (!ext) ctx.extensions.push((ext = { name, priorities: [] }));
    const last = ext.priorities.filter((p) => p.n > 0).at(-1)?.n ?? 0;
    const n = prio === 'hint' ? 0 : prio === 'n' ? last + 1 : Number(prio);
    const text = prio === 'hint' ? `hint: ${app}` : `${n}. ${app.includes('(') ? app : `${app}()`}`;
    ext.priorities.push({ n, text, line: i + 1 });
  });
  return contexts;
}

/** pbx.c ext_cmp() as far as these names go: plain extensions first, patterns after. */
function byName(a: Extension, b: Extension): number {
  const pa = a.name.startsWith('_');
  const pb = b.name.startsWith('_');
  if (pa !== pb) return pa ? 1 : -1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function showDialplan(contexts: Context[], wanted: string | undefined, file: string): { ok: boolean; lines: string[] } {
  const shown = contexts.filter((c) => wanted === undefined || c.name === wanted);
  if (wanted !== undefined && shown.length === 0) return { ok: false, lines: [`There is no existence of '${wanted}' context`] };
  const lines: string[] = [];
  let exts = 0;
  let prios = 0;
  for (const c of shown) {
    lines.push(`[ Context '${c.name}' created by 'pbx_config' ]`);
    for (const e of [...c.extensions].sort(byName)) {
      exts += 1;
      const sorted = [...e.priorities].sort((a, b) => a.n - b.n);
      sorted.forEach((p, i) => {
        prios += 1;
        const left = i === 0 ? `'${e.name}' =>` : '';
        lines.push(`  ${left.padEnd(17)} ${p.text.padEnd(45)} [${file}:${p.line}]`);
      });
    }
    lines.push('');
  }
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  lines.push(`-= ${plural(exts, 'extension')} (${plural(prios, 'priority').replace('prioritys', 'priorities')}) in ${plural(shown.length, 'context')}. =-`);
  return { ok: true, lines };
}

/** The Command action; `file` names the configuration file in `dialplan show`'s references. */
export function command(dialplan: string, m: Message, out: string[], file = 'agentgate.conf'): void {
  const cmd = m.get('Command').trim();
  const words = cmd.split(/\s+/);
  let result: { ok: boolean; lines: string[] };
  if (words[0] === 'dialplan' && words[1] === 'show' && words.length <= 3) {
    result = showDialplan(parseDialplan(dialplan), words[2]?.replace(/@.*$/, ''), file);
  } else if (cmd === 'core show version') {
    result = { ok: true, lines: ['Asterisk 22.10.1 built by root @ vm on a x86_64 running Linux on 2026-11-24 14:19:52 UTC'] };
  } else {
    result = { ok: false, lines: [`No such command '${cmd}' (type 'core show help ${words.slice(0, 2).join(' ')}' for other possible commands)`] };
  }
  const output = result.lines.map((l) => `Output: ${l}\r\n`).join('');
  out.push(`Response: ${result.ok ? 'Success' : 'Error'}\r\n${idLine(m)}Message: Command output follows\r\n${output}\r\n`);
}

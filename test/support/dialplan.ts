import { readFileSync } from 'node:fs';

/** `[context]` → its lines (comments and blank lines left out), from the shipped dialplan. */
export function dialplanContexts(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const raw of readFileSync(new URL('../../dialplan/agentgate.conf', import.meta.url), 'utf8').split('\n')) {
    const line = raw.replace(/;.*$/, '').trimEnd();
    const head = /^\[([^\]]+)\]/.exec(line);
    if (head) out.set(head[1] as string, (current = []));
    else if (current && line.trim() !== '') current.push(line);
  }
  return out;
}

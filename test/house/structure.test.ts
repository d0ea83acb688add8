import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

// The house rules a reader relies on: no module imports itself round a circle, and no file is too
// long to hold in one's head.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAX_LINES = 300;

function files(dir: string, ext: RegExp): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    return statSync(join(ROOT, path)).isDirectory() ? files(path, ext) : ext.test(name) ? [path] : [];
  });
}

/** Each module's relative imports (types included: a circle of types is still a circle to read). */
export function importGraph(paths: string[], read: (p: string) => string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const p of paths) {
    const deps = [...read(p).matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)\.js'/g)].map((m) => relative(ROOT, resolve(ROOT, dirname(p), `${m[1]}.ts`)));
    graph.set(p, [...new Set(deps)].filter((d) => paths.includes(d)));
  }
  return graph;
}

/** The circles of a graph, each once, as `a → b → a`. */
export function cycles(graph: Map<string, string[]>): string[] {
  const found = new Set<string>();
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string) => {
    state.set(n, 'open');
    stack.push(n);
    for (const d of graph.get(n) ?? []) {
      if (state.get(d) === 'open') {
        const loop = stack.slice(stack.indexOf(d));
        const start = loop.indexOf([...loop].sort()[0]!);
        found.add([...loop.slice(start), ...loop.slice(0, start), loop[start]].join(' → '));
      } else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of [...graph.keys()].sort()) if (!state.has(n)) visit(n);
  return [...found].sort();
}

test('no import circles in src/', () => {
  const paths = files('src', /\.ts$/);
  assert.deepEqual(cycles(importGraph(paths, (p) => readFileSync(join(ROOT, p), 'utf8'))), []);
});

test('the circle finder finds a circle of three and a mutual pair', () => {
  const g = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['e']], ['e', ['d']], ['f', ['a']]]);
  assert.deepEqual(cycles(g), ['a → b → c → a', 'd → e → d']);
});

test(`no file in src/ or web/ over ${MAX_LINES} lines`, () => {
  const long = [...files('src', /\.ts$/), ...files('web', /\.(js|css|html)$/)]
    .map((p) => [p, readFileSync(join(ROOT, p), 'utf8').split('\n').length - 1] as const)
    .filter(([, n]) => n > MAX_LINES)
    .map(([p, n]) => `${p}: ${n} lines`);
  assert.deepEqual(long, []);
});

import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

// The README is the front page and docs/ holds the rest: every link between them must land.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PAGES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to '-', repeats numbered. */
export function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const m = fenced ? null : /^#{1,6} (.*)$/.exec(line);
    if (!m) continue;
    const base = m[1]!.trim().toLowerCase().replace(/[^\p{L}\p{N}\- _]/gu, '').replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Every `[text](target)` outside code fences, with its line. */
function linksOf(markdown: string): Array<{ line: number; target: string }> {
  const out: Array<{ line: number; target: string }> = [];
  let fenced = false;
  markdown.split('\n').forEach((line, i) => {
    if (line.startsWith('```') || line.trimStart().startsWith('```')) fenced = !fenced;
    if (fenced) return;
    const prose = line.replace(/`[^`]*`/g, '');
    for (const m of prose.matchAll(/\]\(([^)\s]+)\)/g)) out.push({ line: i + 1, target: m[1]! });
  });
  return out;
}

/** The broken links of one page: a file that is not there, or an anchor no heading makes. */
export function brokenLinks(page: string, read: (path: string) => string | undefined): string[] {
  const text = read(page) ?? '';
  const broken: string[] = [];
  for (const { line, target } of linksOf(text)) {
    if (/^[a-z]+:/i.test(target)) continue; // another site
    const [path, frag] = target.split('#') as [string, string | undefined];
    const file = path === '' ? page : normalize(join(dirname(page), path));
    const body = read(file);
    if (body === undefined) broken.push(`${page}:${line}: ${target} (no such file)`);
    else if (frag && file.endsWith('.md') && !anchorsOf(body).has(frag)) broken.push(`${page}:${line}: ${target} (no such heading)`);
  }
  return broken;
}

const fromDisk = (path: string) => (existsSync(join(ROOT, path)) ? readFileSync(join(ROOT, path), 'utf8') : undefined);

test('every link of the README and of docs/ lands on a file and a heading that exist', () => {
  assert.deepEqual(PAGES.flatMap((p) => brokenLinks(p, fromDisk)), []);
});

test('the check finds a broken file and a broken anchor', () => {
  const pages: Record<string, string> = { 'README.md': '# A\n\n[x](docs/b.md#nowhere) [y](docs/c.md) [z](#a)\n', 'docs/b.md': '# B\n\n## Some thing\n' };
  assert.deepEqual(brokenLinks('README.md', (p) => pages[p]), ['README.md:3: docs/b.md#nowhere (no such heading)', 'README.md:3: docs/c.md (no such file)']);
});

test('the README fits on a screen or so (≤ 250 lines) and its map links every page of docs/', () => {
  const readme = fromDisk('README.md')!;
  assert.ok(readme.split('\n').length <= 250, `README.md has ${readme.split('\n').length} lines`);
  for (const page of PAGES.filter((p) => p !== 'README.md')) assert.ok(readme.includes(`](${page})`), `${page} is in the README's map`);
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { HTTP_ANSWERS } from '../../src/http/answers.js';

const PAGE = readFileSync(new URL('../../docs/http-api.md', import.meta.url), 'utf8');

test("every answer HTTP gives on its own has a row of its own in the answer table of docs/http-api.md, with its status", () => {
  // A row says when the answer is given: two answers with the same status and body (a bad body, a
  // bad parameter) need two rows; a row may add fields (`detail`) after the body's own.
  const rows = PAGE.split('\n').filter((line) => line.startsWith('| — |'));
  const taken = new Set<string>();
  for (const [name, a] of Object.entries(HTTP_ANSWERS)) {
    const body = JSON.stringify(a.body).slice(0, -1);
    const row = rows.find((line) => !taken.has(line) && line.includes(`| ${a.status} |`) && line.includes(body));
    assert.ok(row, `${name}: ${a.status} ${body}} has its own row in the answer table of docs/http-api.md`);
    taken.add(row);
  }
});

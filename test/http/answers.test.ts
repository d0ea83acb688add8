import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { HTTP_ANSWERS } from '../../src/http/answers.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

test("every answer HTTP gives on its own is in the README's answer table with its status", () => {
  for (const [name, a] of Object.entries(HTTP_ANSWERS)) {
    const body = JSON.stringify(a.body);
    const row = README.split('\n').find((line) => line.startsWith('|') && line.includes(`| ${a.status} |`) && line.includes(body));
    assert.ok(row, `${name}: ${a.status} ${body} is in the README's answer table`);
  }
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { OUTCOMES } from '../../src/commands/outcomes.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

test('every answer the service can give is documented in the README with its HTTP status', () => {
  for (const [kind, o] of Object.entries(OUTCOMES)) {
    const body = kind === 'pbxError' ? '{"error":"PBX error: ' : `{"${o.result}":"${o.message}"`;
    const row = README.split('\n').find((line) => line.startsWith('|') && line.includes(body));
    assert.ok(row, `${kind}: ${body} is in the README's answer table`);
    assert.match(row, new RegExp(`\\| ${o.http} \\|`), `${kind}: documented with HTTP ${o.http}`);
  }
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { OUTCOMES } from '../../src/commands/outcomes.js';

const PAGE = readFileSync(new URL('../../docs/http-api.md', import.meta.url), 'utf8');

test('every answer the service can give is documented in docs/http-api.md with its HTTP status', () => {
  for (const [kind, o] of Object.entries(OUTCOMES)) {
    const body = kind === 'pbxError' ? '{"error":"PBX error: ' : `{"${o.result}":"${o.message}"`;
    const row = PAGE.split('\n').find((line) => line.startsWith('|') && line.includes(body));
    assert.ok(row, `${kind}: ${body} is in the answer table of docs/http-api.md`);
    assert.match(row, new RegExp(`\\| ${o.http} \\|`), `${kind}: documented with HTTP ${o.http}`);
  }
});

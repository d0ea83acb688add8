import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { PROMPTS, PROMPT_LANGUAGES, promptFilePath } from '../../src/agi/prompts.js';
import { SHIPPED_SOUNDS_DIR } from '../../src/agi/prompts-install.js';
import { dialplanContexts } from '../support/dialplan.js';

const contexts = dialplanContexts();

test('every feature code *50 to *55 goes to agentgate-unreachable right after its AGI', () => {
  const features = contexts.get('agentgate-features') ?? [];
  const codes = features.filter((l) => /^exten => [^,]+,1,/.test(l)).map((l) => l.split(',')[0]?.slice('exten => '.length));
  assert.deepEqual(codes, ['*50', '_*50X', '_*50X.', '*51', '_*51X', '_*51X.', '*52', '*53', '*54', '*55', '_*55X', '_*55X.']);
  features.forEach((line, i) => {
    if (line.includes(',AGI(')) assert.equal(features[i + 1], ' same => n,Gosub(agentgate-unreachable,s,1)', `after ${line.trim()}`);
  });
});

test('agentgate-unreachable plays agentgate/unavailable only when AGISTATUS is FAILURE, in AGENTGATE_LANGUAGE on a default channel', () => {
  const lines = contexts.get('agentgate-unreachable') ?? [];
  assert.equal(lines[0], 'exten => s,1,GotoIf($["${AGISTATUS}" != "FAILURE"]?done)');
  assert.ok(lines.includes(' same => n,ExecIf($["${CHANNEL(language)}" = "en"]?Set(CHANNEL(language)=${AGENTGATE_LANGUAGE}))'));
  assert.ok(lines.includes(` same => n,Playback(${PROMPTS.unavailable})`));
  assert.equal(lines.at(-1), ' same => n(done),Return()');
  assert.ok((contexts.get('agentgate-setup') ?? []).includes(' same => n,ExecIf($["${AGENTGATE_LANGUAGE}" = ""]?Set(AGENTGATE_LANGUAGE=pt_BR))'));
});

test('every prompt the shipped dialplan plays is one of ours, shipped in each language (so prompts install copies it)', () => {
  const played = [...contexts.values()].flat().flatMap((l) => [...l.matchAll(/Playback\((agentgate\/[a-z0-9-]+)\)/g)].map((m) => m[1] as string));
  assert.ok(played.includes(PROMPTS.unavailable));
  for (const file of new Set(played)) {
    assert.ok((Object.values(PROMPTS) as string[]).includes(file), `${file} is named in PROMPTS`);
    for (const lang of PROMPT_LANGUAGES) assert.ok(existsSync(promptFilePath(SHIPPED_SOUNDS_DIR, lang, file)), `${lang}/${file}.wav`);
  }
});

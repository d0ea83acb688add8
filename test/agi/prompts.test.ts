import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import {
  DIGIT_PROMPTS,
  PROMPTS,
  PROMPT_LANGUAGES,
  promptFilePath,
  promptLanguage,
  type PromptName,
} from '../../src/agi/prompts.js';
import {
  PromptInstallError,
  SHIPPED_SOUNDS_DIR,
  installPrompts,
} from '../../src/agi/prompts-install.js';

const promptNames = Object.keys(PROMPTS) as PromptName[];
const baseName = (file: string) => path.posix.basename(file);
const camel = (name: string) => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

const temps: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'agentgate-prompts-'));
  temps.push(dir);
  return dir;
}
after(async () => {
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

async function readTable(): Promise<{ header: string[]; rows: string[][] }> {
  const text = await readFile(path.join(SHIPPED_SOUNDS_DIR, 'prompts.tsv'), 'utf8');
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const [head, ...rest] = lines.map((l) => l.replace(/\r$/, '').split('\t'));
  return { header: head ?? [], rows: rest };
}

interface WavInfo {
  format: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  dataBytes: number;
  peak: number;
}

/** Walks the RIFF chunks (Asterisk's format_wav skips unknown ones too). */
function parseWav(buf: Buffer): WavInfo {
  assert.equal(buf.toString('ascii', 0, 4), 'RIFF', 'RIFF magic');
  assert.equal(buf.toString('ascii', 8, 12), 'WAVE', 'WAVE magic');
  let fmt: Omit<WavInfo, 'dataBytes' | 'peak'> | undefined;
  let data: Buffer | undefined;
  for (let off = 12; off + 8 <= buf.length; ) {
    const id = buf.toString('ascii', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    const body = buf.subarray(off + 8, off + 8 + size);
    if (id === 'fmt ') {
      fmt = {
        format: body.readUInt16LE(0),
        channels: body.readUInt16LE(2),
        sampleRate: body.readUInt32LE(4),
        bitsPerSample: body.readUInt16LE(14),
      };
    } else if (id === 'data') {
      data = body;
    }
    off += 8 + size + (size % 2);
  }
  assert.ok(fmt, 'has a fmt chunk');
  assert.ok(data, 'has a data chunk');
  let peak = 0;
  for (let i = 0; i + 1 < data.length; i += 2) peak = Math.max(peak, Math.abs(data.readInt16LE(i)));
  return { ...fmt, dataBytes: data.length, peak };
}

describe('prompt names', () => {
  test('every PROMPTS entry is agentgate/<name> and its key is the camelCase name', () => {
    for (const key of promptNames) {
      const file = PROMPTS[key];
      assert.match(file, /^agentgate\/[a-z0-9]+(-[a-z0-9]+)*$/);
      assert.equal(camel(baseName(file)), key);
    }
    assert.equal(new Set(Object.values(PROMPTS)).size, promptNames.length, 'no two keys share a file');
  });

  test('promptFilePath puts the language folder in front and adds .wav', () => {
    assert.equal(
      promptFilePath('/var/lib/asterisk/sounds', 'pt_BR', PROMPTS.loginOk),
      path.join('/var/lib/asterisk/sounds', 'pt_BR', 'agentgate', 'login-ok.wav'),
    );
    assert.equal(
      promptFilePath('/s', 'en', 'agentgate/goodbye.wav'),
      path.join('/s', 'en', 'agentgate', 'goodbye.wav'),
    );
  });

  test("channel language: Asterisk's default en and anything not shipped hear PROMPT_LANGUAGE, a chosen English variant en", () => {
    assert.equal(promptLanguage('en'), 'pt_BR');
    assert.equal(promptLanguage('en', 'en'), 'en');
    assert.equal(promptLanguage('es', 'en'), 'en');
    assert.equal(promptLanguage('pt_BR', 'en'), 'pt_BR');
    assert.equal(promptLanguage('en_US'), 'en');
    assert.equal(promptLanguage('EN-gb'), 'en');
    assert.equal(promptLanguage('pt_BR'), 'pt_BR');
    assert.equal(promptLanguage('pt'), 'pt_BR');
    assert.equal(promptLanguage('es'), 'pt_BR');
    assert.equal(promptLanguage(''), 'pt_BR');
    assert.equal(promptLanguage(undefined), 'pt_BR');
    assert.equal(promptLanguage('english'), 'pt_BR');
  });
});

describe('prompts.tsv', () => {
  test('header is name, then one column per shipped language', async () => {
    const { header } = await readTable();
    assert.deepEqual(header, ['name', 'en', 'pt_BR']);
    assert.deepEqual([...header.slice(1)].sort(), [...PROMPT_LANGUAGES].sort());
  });

  test('every row is in PROMPTS and every PROMPTS entry has a row', async () => {
    const { rows } = await readTable();
    const tableNames = rows.map((r) => r[0] ?? '');
    assert.equal(new Set(tableNames).size, tableNames.length, 'no duplicate rows');
    assert.deepEqual(
      [...tableNames].sort(),
      Object.values(PROMPTS).map(baseName).sort(),
    );
  });

  test('every row has a text in every language', async () => {
    const { header, rows } = await readTable();
    for (const row of rows) {
      assert.equal(row.length, header.length, `row ${row[0]} has ${header.length} cells`);
      for (const cell of row) assert.ok(cell.trim().length > 0, `row ${row[0]} has an empty cell`);
    }
  });
});

describe('shipped prompt files', () => {
  for (const lang of PROMPT_LANGUAGES) {
    test(`every prompt has a ${lang} file, and there are no others`, async () => {
      const dir = path.join(SHIPPED_SOUNDS_DIR, lang, 'agentgate');
      const onDisk = (await readdir(dir)).filter((n) => n.endsWith('.wav')).sort();
      const expected = Object.values(PROMPTS).map((f) => `${baseName(f)}.wav`).sort();
      assert.deepEqual(onDisk, expected);
    });

    test(`every ${lang} file is PCM, 8000 Hz, 16-bit, mono, with audible audio`, async () => {
      for (const key of promptNames) {
        const file = promptFilePath(SHIPPED_SOUNDS_DIR, lang, PROMPTS[key]);
        const wav = parseWav(await readFile(file));
        const where = `${lang}/${PROMPTS[key]}`;
        assert.equal(wav.format, 1, `${where}: PCM`);
        assert.equal(wav.sampleRate, 8000, `${where}: 8000 Hz`);
        assert.equal(wav.bitsPerSample, 16, `${where}: 16-bit`);
        assert.equal(wav.channels, 1, `${where}: mono`);
        // 0.3 s at 8000 Hz x 2 bytes: even "Ramal." is longer than that.
        assert.ok(wav.dataBytes >= 4800, `${where}: ${wav.dataBytes} bytes of audio is too short`);
        assert.ok(wav.peak >= 3000, `${where}: peak ${wav.peak} is too quiet`);
      }
    });
  }
});

describe('installPrompts', () => {
  test('copies every prompt of every language into <target>/<lang>/agentgate/', async () => {
    const target = path.join(await tempDir(), 'var', 'sounds');
    const written = await installPrompts(target);
    const expected = PROMPT_LANGUAGES.flatMap((lang) =>
      Object.values(PROMPTS).map((f) => promptFilePath(target, lang, f)),
    );
    assert.deepEqual([...written].sort(), [...expected].sort());
    for (const lang of PROMPT_LANGUAGES) {
      for (const f of Object.values(PROMPTS)) {
        const copy = await readFile(promptFilePath(target, lang, f));
        const original = await readFile(promptFilePath(SHIPPED_SOUNDS_DIR, lang, f));
        assert.ok(copy.equals(original), `${lang}/${f} copied byte for byte`);
      }
    }
  });

  test('each language gets its own digits and its own unavailable prompt (what the dialplan plays)', async () => {
    const target = await tempDir();
    await installPrompts(target);
    for (const lang of PROMPT_LANGUAGES) {
      for (const key of [...DIGIT_PROMPTS, 'unavailable', 'extenNotIdentified'] as const) {
        const copy = await readFile(promptFilePath(target, lang, PROMPTS[key]));
        assert.ok(copy.equals(await readFile(promptFilePath(SHIPPED_SOUNDS_DIR, lang, PROMPTS[key]))), `${lang}/${PROMPTS[key]}`);
      }
    }
    const one = (lang: string) => readFile(promptFilePath(target, lang, PROMPTS.digit1));
    assert.ok(!(await one('en')).equals(await one('pt_BR')), '"one" and "um" are different recordings');
  });

  test('installing twice overwrites in place', async () => {
    const target = await tempDir();
    const first = await installPrompts(target);
    const second = await installPrompts(target);
    assert.deepEqual(second, first);
  });

  test('a target that cannot be written fails with a message naming the folder', async () => {
    const base = await tempDir();
    const blocker = path.join(base, 'not-a-folder');
    await writeFile(blocker, 'x');
    await assert.rejects(installPrompts(blocker), (err: unknown) => {
      assert.ok(err instanceof PromptInstallError);
      assert.match(err.message, /^Cannot write prompts to /);
      assert.ok(err.message.includes(blocker), err.message);
      return true;
    });
  });

  test('a source missing a prompt fails before writing anything', async () => {
    const source = await tempDir();
    const target = path.join(await tempDir(), 'out');
    await assert.rejects(installPrompts(target, source), (err: unknown) => {
      assert.ok(err instanceof PromptInstallError);
      assert.match(err.message, /^Prompts missing in /);
      assert.ok(err.message.includes('enter-agent'), err.message);
      return true;
    });
    await assert.rejects(readdir(target), { code: 'ENOENT' });
  });
});

import { access, copyFile, mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROMPTS, PROMPT_EXTENSION, PROMPT_LANGUAGES, promptFilePath } from './prompts.js';

/** Where Debian's and the source build's Asterisk look for sounds. */
export const DEFAULT_PROMPTS_TARGET = '/var/lib/asterisk/sounds';

/**
 * The repository's `sounds/` folder. This module sits two levels below the repository root both
 * as `src/agi/` (tsx) and as `dist/agi/` (built), so one relative URL serves both.
 */
export const SHIPPED_SOUNDS_DIR = fileURLToPath(new URL('../../sounds/', import.meta.url));

/** A failure the CLI shows as is: it names the folder and what went wrong, no stack needed. */
export class PromptInstallError extends Error {
  override name = 'PromptInstallError';
}

function why(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'EACCES' || e?.code === 'EPERM') {
    return 'permission denied (run as a user that may write there, or give another folder)';
  }
  if (e?.code === 'EROFS') return 'read-only file system';
  if (e?.code === 'ENOENT') return 'no such file or folder';
  if (e?.code === 'ENOTDIR') return 'a file stands where a folder is needed';
  if (e?.code === 'ENOSPC') return 'no space left on the device';
  return e?.message ?? String(err);
}

/**
 * `mkdir -p` that tries each folder once. Node's own recursive mkdir spins forever where mkdir
 * keeps answering ENOENT under an existing parent (seen under /proc on Node 20).
 */
async function makeDirs(dir: string): Promise<void> {
  const once = async (d: string) => {
    try {
      await mkdir(d);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (!(await stat(d)).isDirectory()) {
        throw Object.assign(new Error(`${d} is not a folder`), { code: 'ENOTDIR' });
      }
    }
  };
  try {
    await once(dir);
  } catch (err) {
    const parent = path.dirname(dir);
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || parent === dir) throw err;
    await makeDirs(parent);
    await once(dir);
  }
}

/**
 * Copies `<sourceDir>/<lang>/agentgate/*.wav` into `<targetDir>/<lang>/agentgate/` for every
 * shipped language, creating the folders, and returns the paths written. The source is checked
 * complete (every PROMPTS entry in every language) before anything is written, so a broken
 * checkout cannot half-replace a working install. `dryRun`: the same checks and the same list,
 * nothing written.
 */
export async function installPrompts(
  targetDir: string,
  sourceDir: string = SHIPPED_SOUNDS_DIR,
  opts: { dryRun?: boolean } = {},
): Promise<string[]> {
  const plan: Array<{ from: string; toDir: string; name: string }> = [];
  for (const lang of PROMPT_LANGUAGES) {
    const missing: string[] = [];
    for (const file of Object.values(PROMPTS)) {
      try {
        await access(promptFilePath(sourceDir, lang, file));
      } catch {
        missing.push(path.posix.basename(file));
      }
    }
    const fromDir = path.dirname(promptFilePath(sourceDir, lang, PROMPTS.goodbye));
    if (missing.length > 0) {
      throw new PromptInstallError(
        `Prompts missing in ${fromDir}: ${missing.join(', ')} (regenerate them with sounds/make-prompts.sh)`,
      );
    }
    const names = (await readdir(fromDir)).filter((n) => n.endsWith(PROMPT_EXTENSION)).sort();
    const toDir = path.dirname(promptFilePath(path.resolve(targetDir), lang, PROMPTS.goodbye));
    for (const name of names) plan.push({ from: path.join(fromDir, name), toDir, name });
  }

  if (opts.dryRun) return plan.map(({ toDir, name }) => path.join(toDir, name));
  const written: string[] = [];
  const made = new Set<string>();
  for (const { from, toDir, name } of plan) {
    const to = path.join(toDir, name);
    try {
      if (!made.has(toDir)) {
        await makeDirs(toDir);
        made.add(toDir);
      }
      await copyFile(from, to);
    } catch (err) {
      throw new PromptInstallError(
        `Cannot write prompts to ${toDir}: ${why(err)}`,
      );
    }
    written.push(to);
  }
  return written;
}

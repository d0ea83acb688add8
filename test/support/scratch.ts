import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temporary folder for a test's files (provisioning files, mostly); `remove` in the test's `after`. */
export interface Scratch {
  dir: string;
  /** Writes `text` to `name` in the folder; its path. */
  file(name: string, text: string): string;
  remove(): void;
}

export function scratchFolder(prefix: string): Scratch {
  const dir = mkdtempSync(join(tmpdir(), `agentgate-${prefix}-`));
  return {
    dir,
    file: (name, text) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

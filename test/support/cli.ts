import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const run = promisify(execFile);
/** tsx by its own address, so the CLI also runs from a folder outside the clone. */
const TSX = import.meta.resolve('tsx');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as an operator would; resolves with its exit code and output, whatever the code. */
export async function agentgate(args: string[], env: Record<string, string> = {}, opts: { cwd?: string } = {}): Promise<CliResult> {
  const base = { ...process.env, LOG_LEVEL: 'info', DATABASE_URL: '', ...env };
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', TSX, CLI, ...args], { env: base, ...opts });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

export interface Served {
  child: ChildProcess;
  http: number;
  agi: number;
  logs: string[];
  base: string;
  exited: Promise<number | null>;
}

/** Starts `agentgate serve` as its own process; resolves with the ports from its `listening` line. */
export function serve(env: Record<string, string>): Promise<Served> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve'], {
    env: { ...process.env, HTTP_PORT: '0', AGI_PORT: '0', AMI_USERNAME: 'agentgate', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    void exited.then((code) => reject(new Error(`exited ${code}: ${logs.join('\n')}`)));
    createInterface({ input: child.stderr! }).on('line', (l) => logs.push(l));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      logs.push(line);
      const msg = JSON.parse(line) as { msg?: string; http?: number; agi?: number };
      if (msg.msg === 'listening') resolve({ child, http: msg.http!, agi: msg.agi!, logs, base: `http://127.0.0.1:${msg.http}`, exited });
    });
  });
}

/** Waits for /readyz to answer 200 (the database and AMI both up). */
export async function ready(base: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if ((await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${base} never became ready`);
}

/** One command over HTTP: the answer's message (`success` or `error`). */
export async function command(base: string, params: Record<string, string>): Promise<string> {
  const res = await fetch(`${base}/api/agent.php?${new URLSearchParams(params)}`);
  const body = (await res.json()) as Record<string, string>;
  return body.success ?? body.error ?? `status ${res.status}`;
}

/** Sends `signal` to a served process and waits for it to exit. */
export async function stopServed(svc: Served, signal: NodeJS.Signals): Promise<void> {
  svc.child.kill(signal);
  await svc.exited;
}

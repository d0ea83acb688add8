// The bench's processes: started, waited for, measured and stopped (the simulators, the service, the floor).
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import http from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { get } from './load.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Proc {
  child: ChildProcess;
  line: Record<string, unknown>;
}

/** Starts a process and resolves with the first JSON line on stdout that `match` accepts. */
export function start(args: string[], env: Record<string, string>, match: (l: Record<string, unknown>) => boolean, stdin: 'ignore' | 'pipe' = 'ignore'): Promise<Proc> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: [stdin, 'pipe', 'pipe'] });
  const errors: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (l) => errors.push(l));
  return new Promise((resolve, reject) => {
    // a backstop only: on a loaded machine a tsx-compiled service takes a while to start
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start: ${errors.join('\n')}`)), 180_000);
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}: ${errors.join('\n')}`)));
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (text) => {
      try {
        const line = JSON.parse(text) as Record<string, unknown>;
        if (match(line)) {
          clearTimeout(timer);
          // From here on its output is drained unread: parsing the service's logs would load this process.
          lines.close();
          const keep = process.env.BENCH_LOG ? createWriteStream(process.env.BENCH_LOG, { flags: 'a' }) : undefined;
          child.stdout!.on('data', (d: Buffer) => keep?.write(d));
          child.stdout!.resume(); // closing readline paused it; a full pipe would block the service's writes
          resolve({ child, line });
        }
      } catch {
        // not JSON: ignore
      }
    });
  });
}

export async function stop(p: Proc | undefined): Promise<void> {
  if (!p || p.child.exitCode !== null) return;
  const exited = new Promise((r) => p.child.once('exit', r));
  p.child.kill('SIGTERM');
  const t = performance.now();
  const force = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(force);
  if (process.env.BENCH_PROFILE) process.stderr.write(`stopped ${p.child.pid} in ${Math.round(performance.now() - t)} ms, code ${p.child.exitCode} signal ${p.child.signalCode}\n`);
}

export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

export async function waitReady(port: number): Promise<void> {
  const agent = new http.Agent();
  for (let i = 0; i < 3600; i++) {
    const res = await get(agent, port, '/readyz').catch(() => ({ status: 0 }));
    if (res.status === 200) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('service never became ready');
}


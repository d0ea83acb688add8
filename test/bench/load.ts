import { readFileSync } from 'node:fs';
import http from 'node:http';

export const CYCLE = ['login', 'pause', 'unpause', 'logoff'] as const;

export interface LoadResult {
  count: number;
  seconds: number;
  latencies: number[];
  errors: Record<string, number>;
}

/** The agent (index into 5001…/3001…) and command of a worker's n-th step: whole cycles per agent. */
export function stepOf(worker: number, concurrency: number, slot: number): { index: number; command: string } {
  const perWorker = Math.max(1, Math.floor(1000 / concurrency));
  return { index: worker + concurrency * (Math.floor(slot / CYCLE.length) % perWorker), command: CYCLE[slot % CYCLE.length] as string };
}

export function get(agent: http.Agent, port: number, path: string, headers: http.OutgoingHttpHeaders = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

function url(index: number, command: string): string {
  return `/api/agent.php?command=${command}&agent=${5001 + index}&exten=${3001 + index}&queue=support&reason=Almoco`;
}

const OK = /"success"/;

/** Closed loop: `concurrency` clients, each running whole login → pause → unpause → logoff cycles (with `headers`: a key, say). */
export async function closedLoop(port: number, concurrency: number, count: number, headers: http.OutgoingHttpHeaders = {}): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const steps = Math.max(4, Math.round(count / concurrency / 4) * 4);
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (let slot = 0; slot < steps; slot++) {
        const { index, command } = stepOf(w, concurrency, slot);
        const t = performance.now();
        const res = await get(agent, port, url(index, command), headers);
        latencies.push(performance.now() - t);
        if (!OK.test(res.body)) errors[res.body] = (errors[res.body] ?? 0) + 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return { count: latencies.length, seconds, latencies, errors };
}

/** Open loop: commands arrive at `rate` per second whatever the answers' pace. */
export async function fixedRate(port: number, rate: number, seconds: number): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const total = Math.round(rate * seconds);
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  const started = performance.now();
  const pending: Promise<void>[] = [];
  // agents in turn, 4 commands each: an agent's next command comes 1000 commands later
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const index = i % 1000;
    const command = CYCLE[Math.floor(i / 1000) % CYCLE.length] as string;
    pending.push(
      get(agent, port, url(index, command)).then((res) => {
        latencies.push(performance.now() - due);
        if (!OK.test(res.body)) errors[res.body] = (errors[res.body] ?? 0) + 1;
      }),
    );
  }
  await Promise.all(pending);
  agent.destroy();
  return { count: latencies.length, seconds: (performance.now() - started) / 1000, latencies, errors };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** CPU time (user + system) a process has used so far, in ms (Linux: /proc, 100 ticks a second). */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Several runs as one: their counts, times and latencies together. */
export function together(rs: LoadResult[]): LoadResult {
  return {
    count: rs.reduce((a, r) => a + r.count, 0),
    seconds: rs.reduce((a, r) => a + r.seconds, 0),
    latencies: rs.flatMap((r) => r.latencies),
    errors: Object.assign({}, ...rs.map((r) => r.errors)),
  };
}

/**
 * Two ways of running the same load, twice each, interleaved (a, b, b, a) so that a machine that
 * gets busier or quieter meanwhile weighs on both. `run` does one run of `mode` and times its load
 * with `timed`, which also counts the service's CPU time during it (the figure the rest of the
 * machine moves least). Per mode: both runs joined, and the service's CPU µs per command.
 */
export async function interleaved<M extends string>(
  servicePid: number,
  modes: [M, M],
  run: (mode: M, timed: (load: () => Promise<LoadResult>) => Promise<void>) => Promise<void>,
): Promise<Record<M, { result: LoadResult; cpuUsPerCommand: number }>> {
  const [a, b] = modes;
  const runs = new Map<M, LoadResult[]>([[a, []], [b, []]]);
  const cpu = new Map<M, number>([[a, 0], [b, 0]]);
  for (const mode of [a, b, b, a]) {
    await run(mode, async (load) => {
      const before = cpuMs(servicePid);
      runs.get(mode)?.push(await load());
      cpu.set(mode, (cpu.get(mode) ?? 0) + cpuMs(servicePid) - before);
    });
  }
  const out = {} as Record<M, { result: LoadResult; cpuUsPerCommand: number }>;
  for (const mode of modes) {
    const result = together(runs.get(mode) ?? []);
    out[mode] = { result, cpuUsPerCommand: Math.round(((cpu.get(mode) ?? 0) * 1000) / result.count) };
  }
  return out;
}

/**
 * `times` GETs of `/api/agents`, one after another over one kept-alive connection, each timed from
 * the request to the answer's last byte. The body is counted, not kept: this process building and
 * collecting megabytes of text would be timed as the service's.
 */
export async function timeAgentList(port: number, times: number): Promise<{ p50ms: number; p99ms: number; bytes: number }> {
  const agent = new http.Agent({ keepAlive: true });
  const took: number[] = [];
  let bytes = 0;
  try {
    for (let i = 0; i < times; i++) {
      const t = performance.now();
      const res = await new Promise<{ status: number; bytes: number; end: string }>((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port, path: '/api/agents', agent }, (r) => {
          let n = 0;
          let last: Buffer = Buffer.alloc(0);
          r.on('data', (d: Buffer) => {
            n += d.length;
            last = d;
          });
          r.on('end', () => resolve({ status: r.statusCode ?? 0, bytes: n, end: last.subarray(-2).toString() }));
        });
        req.on('error', reject);
      });
      took.push(performance.now() - t);
      if (res.status !== 200 || res.end !== ']}') throw new Error(`/api/agents answered ${res.status}, ${res.bytes} bytes ending ${JSON.stringify(res.end)}`);
      bytes = res.bytes;
    }
  } finally {
    agent.destroy();
  }
  return { p50ms: +percentile(took, 50).toFixed(2), p99ms: +percentile(took, 99).toFixed(2), bytes };
}

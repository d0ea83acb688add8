import { closedLoop, interleaved, percentile, type LoadResult } from './load.js';

const LEVEL = 8;

function figures(r: LoadResult) {
  return { perSecond: Math.round(r.count / r.seconds), p50ms: +percentile(r.latencies, 50).toFixed(2), p99ms: +percentile(r.latencies, 99).toFixed(2), errors: Object.values(r.errors).reduce((a, b) => a + b, 0) };
}

/**
 * The HTTP mix at 8 clients from the allow-listed address without a key, and the same mix with a
 * supervisor key (looked up, scope-checked, its actor recorded), two runs each, interleaved
 * (without, with, with, without) so both see the same machine. The service's CPU time per command
 * is the figure the rest of the machine moves least.
 */
export async function accessLoad(port: number, servicePid: number, key: string, perLevel: number, say: (l: string) => void): Promise<Record<string, unknown>> {
  const by = await interleaved(servicePid, ['allowListed', 'supervisor'], (mode, timed) =>
    timed(() => closedLoop(port, LEVEL, perLevel, mode === 'supervisor' ? { authorization: `Bearer ${key}` } : {})),
  );
  const allowListed = figures(by.allowListed.result);
  const supervisor = figures(by.supervisor.result);
  const perCommand = (mode: keyof typeof by) => by[mode].cpuUsPerCommand;
  const ratio = +(supervisor.perSecond / allowListed.perSecond).toFixed(2);
  say(`http c=${LEVEL} with a supervisor key: ${supervisor.perSecond}/s p99 ${supervisor.p99ms} ms vs ${allowListed.perSecond}/s allow-listed (×${ratio}); service CPU ${perCommand('supervisor')} µs/command vs ${perCommand('allowListed')}`);
  return { concurrency: LEVEL, allowListed, supervisor, ratio, serviceCpuUsPerCommand: { allowListed: perCommand('allowListed'), supervisor: perCommand('supervisor') } };
}

// biome-ignore lint: the bench's JSON is read back loosely
export function accessRow(a: any): string {
  return `| HTTP mix, ${a.concurrency} clients, with a supervisor key | ${a.supervisor.perSecond}/s (×${a.ratio} of ${a.allowListed.perSecond}/s from the allow-listed address without a key, runs interleaved), p99 ${a.supervisor.p99ms} ms, ${a.supervisor.errors} errors; service CPU ${a.serviceCpuUsPerCommand.supervisor} µs per command (${a.serviceCpuUsPerCommand.allowListed} without a key) | ≥ 0.95 × without a key |`;
}

import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Waits until `check` holds, polling: tests wait for what they need, not for a time. The bound is
 * only a backstop against a hang (the machine may be loaded: it is minutes, not seconds).
 */
export async function until(check: () => Promise<boolean> | boolean, what: string, backstopMs = 180_000): Promise<void> {
  const deadline = performance.now() + backstopMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(20);
  }
}

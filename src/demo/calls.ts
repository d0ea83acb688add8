import type { SimAsterisk, SimCall } from '../sim/ami-server.js';

/**
 * The demo's callers: every few seconds one joins support or sales, waits a moment, rings a member
 * who is free (not paused, not on a call), who answers (now and then not: a missed ring, and the
 * next one rings) and talks a while; a caller nobody takes gives up. Returns the function that stops it.
 */
export function startDemoCalls(sim: SimAsterisk, everyMs = 7000): () => void {
  const timers = new Set<NodeJS.Timeout>();
  const ringing = new Set<string>();
  const random = (min: number, max: number) => min + Math.random() * (max - min);
  const later = (ms: number, step: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      try {
        step();
      } catch {
        // the member logged off or the queue changed meanwhile: this caller's story ends here
      }
    }, ms);
    timers.add(timer);
  };

  const ring = (call: SimCall, queue: string, tries: number) => {
    const free = sim.members().filter((m) => m.queue === queue && !m.paused && !m.inCall && !ringing.has(m.interface));
    const member = free[Math.floor(Math.random() * free.length)];
    if (!member) {
      if (tries >= 6) call.abandon();
      else later(3000, () => ring(call, queue, tries + 1));
      return;
    }
    call.ring(member.interface);
    ringing.add(member.interface);
    later(random(2000, 5000), () => {
      ringing.delete(member.interface);
      if (Math.random() < 0.15) {
        call.noAnswer(member.interface);
        later(1000, () => ring(call, queue, tries + 1));
        return;
      }
      call.answer(member.interface);
      later(random(8000, 40_000), () => call.hangup(Math.random() < 0.5 ? 'caller' : 'agent'));
    });
  };

  const arrivals = setInterval(() => {
    const queue = Math.random() < 0.5 ? 'support' : 'sales';
    try {
      const call = sim.callArrives(queue, { callerNum: `11${String(Math.floor(random(900_000_000, 999_999_999)))}`, callerName: 'Cliente' });
      later(random(1000, 6000), () => ring(call, queue, 0));
    } catch {
      // no such queue in this simulator
    }
  }, everyMs);
  return () => {
    clearInterval(arrivals);
    for (const t of timers) clearTimeout(t);
    timers.clear();
  };
}

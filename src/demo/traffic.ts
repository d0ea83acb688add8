import type { Deps } from '../commands/deps.js';
import { phoneBy } from '../commands/input.js';
import { runCommand } from '../commands/run.js';
import type { SimAsterisk } from '../sim/ami-server.js';

/** The demo's wallboard team: logged in from their phones at start, then pausing now and then. */
const TEAM = [
  { agent: '1101', exten: '2101', queue: 'support' },
  { agent: '1102', exten: '2102', queue: 'support' },
  { agent: '1103', exten: '2103', queue: 'support' },
  { agent: '1104', exten: '2104', queue: 'sales' },
  { agent: '1105', exten: '2105', queue: 'sales' },
  { agent: '1106', exten: '2106', queue: 'sales' },
];
const REASONS = ['Almoco', 'Banheiro', 'Treinamento'];

/**
 * Moves the wallboard: every few seconds one of the team pauses or comes back, half the time from
 * the phone (the command code) and half from the simulated Asterisk (as a supervisor console
 * would), so both paths show. Returns the function that stops it.
 */
export async function startDemoTraffic(deps: Deps, sims: SimAsterisk[], everyMs = 4000): Promise<() => void> {
  for (const m of TEAM) await runCommand(deps, { command: 'login', ...m }, phoneBy(m.exten));
  let turn = 0;
  const timer = setInterval(() => {
    const m = TEAM[Math.floor(Math.random() * TEAM.length)]!;
    // the member on whichever simulated PBX holds its queue
    const sim = sims.find((s) => s.members().some((x) => x.interface === `PJSIP/${m.exten}`));
    const member = sim?.members().find((x) => x.interface === `PJSIP/${m.exten}`);
    if (!sim || !member) return;
    const reason = REASONS[turn % REASONS.length]!;
    if (turn++ % 2 === 0) {
      void runCommand(deps, member.paused ? { command: 'unpause', agent: m.agent } : { command: 'pause', agent: m.agent, reason }, phoneBy(m.exten));
    } else {
      sim.externalPause(member.interface, !member.paused, member.paused ? undefined : reason);
    }
  }, everyMs);
  return () => clearInterval(timer);
}

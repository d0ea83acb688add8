import type { Pbx } from '../ami/pbx.js';
import type { PbxSet } from '../ami/pbxes.js';
import { CallBoard, type CallBoardDeps } from './board.js';
import type { AgentCall, CallView, QueueWaiting } from './types.js';

export interface CallBoardsDeps extends Omit<CallBoardDeps, 'pbx' | 'name'> {
  pbxes: PbxSet;
}

/**
 * The queue calls of every PBX (CONTRACT §9): one `CallBoard` per PBX, on that PBX's own AMI
 * connection, so a PBX that goes down or reconnects clears and rebuilds only its own queues' calls.
 * A PBX a reconcile adds gets its board; one it removes or changes has its board stopped (after its
 * connection closed, so its calls are told over first).
 */
export class CallBoards implements CallView {
  private readonly boards = new Map<string, CallBoard>();
  /** Boards stopped while their announcements and writes may still be under way. */
  private readonly leaving = new Set<CallBoard>();
  private unfollow: (() => void) | undefined;

  constructor(private readonly deps: CallBoardsDeps) {}

  /** Before the PBXs connect: each first QueueStatus is what its board starts from. */
  attach(): void {
    this.unfollow ??= this.deps.pbxes.follow(
      (name, pbx) => this.add(name, pbx),
      (name) => this.remove(name),
    );
  }

  /** The board of one PBX (tests, tools). */
  of(pbx: string): CallBoard | undefined {
    return this.boards.get(pbx);
  }

  forAgent(agent: string): AgentCall | null {
    let best: AgentCall | null = null;
    for (const board of this.sorted()) best = better(best, board.forAgent(agent));
    return best;
  }

  byAgent(): Record<string, AgentCall> {
    const out: Record<string, AgentCall> = {};
    for (const board of this.sorted()) {
      for (const [agent, call] of Object.entries(board.byAgent())) out[agent] = better(out[agent] ?? null, call) as AgentCall;
    }
    return out;
  }

  forQueue(queue: string, pbx: string): QueueWaiting {
    return this.boards.get(pbx)?.forQueue(queue) ?? { waiting: 0, longest_wait_s: 0 };
  }

  /** Callers waiting, by PBX and queue (metrics). */
  waiting(): Array<{ pbx: string; queue: string; n: number }> {
    return this.sorted().flatMap((b) => [...b.waitingByQueue()].map(([queue, n]) => ({ pbx: b.name, queue, n })));
  }

  /** Members talking on a queue call now, by PBX (metrics). */
  onCall(): Array<{ pbx: string; n: number }> {
    return this.sorted().map((b) => ({ pbx: b.name, n: b.onCall() }));
  }

  /** Resolves when every board's announcements and writes under way are done (tests, shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.boards.values(), ...this.leaving].map((b) => b.idle()));
  }

  stop(): void {
    this.unfollow?.();
    for (const name of [...this.boards.keys()]) this.remove(name);
  }

  private add(name: string, pbx: Pbx): void {
    this.remove(name);
    const { pbxes: _, ...rest } = this.deps;
    const board = new CallBoard({ ...rest, pbx, name, remoteExten: (iface) => this.deps.pbxes.extenOfRemote(name, iface) });
    board.attach();
    this.boards.set(name, board);
  }

  private remove(name: string): void {
    const board = this.boards.get(name);
    if (!board) return;
    this.boards.delete(name);
    board.stop();
    this.leaving.add(board);
    void board.idle().then(() => this.leaving.delete(board));
  }

  private sorted(): CallBoard[] {
    return [...this.boards.keys()].sort().map((name) => this.boards.get(name)!);
  }
}

/**
 * An agent's phone may be a member on two PBXs (a remote interface): the call it talks on is shown
 * before one that only rings, else the first PBX's by name.
 */
function better(known: AgentCall | null, other: AgentCall | null): AgentCall | null {
  if (!known) return other;
  if (other && known.state === 'ringing' && other.state === 'on_call') return other;
  return known;
}

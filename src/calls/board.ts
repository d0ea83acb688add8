import type { CallEvent, ChannelInfo, Pbx, QueueCalls } from '../ami/pbx.js';
import { DEFAULT_PBX } from '../provision/pbxes.js';
import { recordLegEnd } from './record.js';
import { Takers } from './takers.js';
import { Chains } from './chains.js';
import { Legs, Waiting } from './legs.js';
import { type Lost, rebuiltLegs, rebuiltWaiting, verifyLeg } from './rebuild.js';
import type { AgentCall, CallBoardDeps, CallView, Leg, QueueWaiting } from './types.js';

export type { AgentCall, CallBoardDeps, CallState, CallView, QueueWaiting } from './types.js';
export { memberChannel } from './types.js';

/**
 * The queue calls of one PBX this process sees, from Asterisk's events on its AMI connection: who is
 * ringing, who is talking (and since when, to whom), how many callers wait in each queue. It is live
 * state, not the record: every instance keeps its own from the same events, clears it when the AMI
 * connection is lost and rebuilds it from QueueStatus (and CoreShowChannels) after each (re)connect,
 * so a call that ended while the connection was down is not shown. The end of each leg is written
 * to `queue_calls` for reports.
 */
export class CallBoard implements CallView {
  readonly name: string;
  private readonly legs: Legs;
  private readonly waiting = new Waiting();
  /** interface → its agent, looked up when a call reaches it; kept while it has one. */
  private readonly takers: Takers;
  /** interface → the last `call` announced (JSON), so a step is said once. */
  private readonly said = new Map<string, string>();
  private readonly work: Chains;
  private generation = 0;
  /** What was shown when the AMI connection was lost: the rebuild keeps what it can of it (a call's caller and start). */
  private lost: Lost | undefined;
  /**
   * Events that came while a rebuild waited for its snapshot: applied after it, in order. An event
   * read in the same chunk as the end of QueueStatus's list reaches us before the rebuild resumes,
   * yet it is newer than the snapshot; applied first, it would be overwritten by older news.
   */
  private held: CallEvent[] | undefined;
  private stopped = false;
  private readonly now: () => number;
  /** On the AMI connection while attached; taken off at stop. */
  private readonly listeners = {
    call: (ev: CallEvent) => this.apply(ev),
    connected: () => void this.rebuild(),
    disconnected: () => this.lose(),
  };

  constructor(private readonly deps: CallBoardDeps) {
    this.name = deps.name ?? DEFAULT_PBX;
    this.legs = new Legs(this.name);
    this.now = deps.now ?? Date.now;
    this.work = new Chains(deps.log);
    this.takers = new Takers(deps.db, deps.log, deps.remoteExten);
  }

  attach(): void {
    const { pbx } = this.deps;
    pbx.on('call', this.listeners.call).on('connected', this.listeners.connected).on('disconnected', this.listeners.disconnected);
  }

  /** Resolves when every announcement and write under way is done (tests, shutdown). */
  async idle(): Promise<void> {
    await this.work.idle();
  }

  stop(): void {
    if (this.stopped) return;
    this.deps.pbx.off('call', this.listeners.call).off('connected', this.listeners.connected).off('disconnected', this.listeners.disconnected);
    this.release();
    this.stopped = true;
    this.generation++;
    this.work.stop();
  }

  forAgent(agent: string): AgentCall | null {
    const iface = this.takers.interfaceOf(agent);
    return iface === undefined ? null : this.legs.shown(iface);
  }

  byAgent(): Record<string, AgentCall> {
    const out: Record<string, AgentCall> = {};
    for (const [agent, iface] of this.takers.interfaces()) {
      const call = this.legs.shown(iface);
      if (call) out[agent] = call;
    }
    return out;
  }

  forQueue(queue: string): QueueWaiting {
    return this.waiting.summary(queue, this.now());
  }

  /** Callers waiting, by queue (metrics). */
  waitingByQueue(): Map<string, number> {
    return new Map([...this.waiting].map(([q, w]) => [q, w.size]));
  }

  /** Members talking on a queue call now (metrics). */
  onCall(): number {
    return this.legs.onCall();
  }

  /**
   * One of app_queue's events, applied at once (after the snapshot while a rebuild reads one); what
   * it changed is announced in order.
   */
  apply(ev: CallEvent): void {
    if (this.stopped) return;
    if (this.held) this.held.push(ev);
    else this.step(ev);
  }

  private step(ev: CallEvent): void {
    const now = this.now();
    const iface = ev.interface;
    switch (ev.kind) {
      case 'join': {
        // (held over a rebuild, the snapshot may already have it, with its wait)
        const w = this.waiting.of(ev.queue);
        if (w.has(ev.uniqueid)) return;
        w.set(ev.uniqueid, { since: now - (ev.holdS ?? 0) * 1000 });
        this.sayQueue(ev.queue);
        return;
      }
      case 'leave': {
        if (this.waiting.of(ev.queue).delete(ev.uniqueid)) this.sayQueue(ev.queue);
        // Answered, a member's AgentConnect follows at once. A caller that left any other way (a
        // key pressed) leaves its members ringing with no event of theirs: they are let go shortly.
        const ringing = this.legs.ofCall(ev.uniqueid).filter((l) => l.state === 'ringing');
        if (ringing.length) this.work.later(this.deps.leftGraceMs ?? 3000, () => this.drop(ringing));
        return;
      }
      case 'abandon':
        if (this.waiting.of(ev.queue).delete(ev.uniqueid)) this.sayQueue(ev.queue);
        this.drop(this.legs.ofCall(ev.uniqueid).filter((l) => l.state === 'ringing'));
        return;
      case 'called':
        if (!iface) return;
        this.put(iface, { interface: iface, queue: ev.queue, uniqueid: ev.uniqueid, linkedid: ev.linkedid, state: 'ringing', caller: ev.callerNum, callerName: ev.callerName, since: now, agent: this.takers.agentFor(iface) });
        return;
      case 'connect':
        if (!iface) return;
        // ringall: the others rang for this caller and were hung up without an event
        this.drop(this.legs.ofCall(ev.uniqueid).filter((l) => l.interface !== iface));
        if (this.waiting.of(ev.queue).delete(ev.uniqueid)) this.sayQueue(ev.queue);
        this.put(iface, { interface: iface, queue: ev.queue, uniqueid: ev.uniqueid, linkedid: ev.linkedid, state: 'on_call', caller: ev.callerNum, callerName: ev.callerName, since: now, agent: this.takers.agentFor(iface) });
        return;
      case 'dump':
        // the member answered then hung up before being connected; the others were hung up already
        this.drop(this.legs.ofCall(ev.uniqueid));
        return;
      case 'complete':
      case 'ringNoAnswer': {
        if (!iface) return;
        const legs = this.legs.get(iface) ?? [];
        const mine =
          legs.find((l) => l.uniqueid === ev.uniqueid) ??
          (ev.kind === 'complete' ? legs.find((l) => l.rebuilt && l.state === 'on_call' && l.queue === ev.queue) : undefined);
        if (mine) this.drop([mine]);
        // (between a login and its rebuild, a leg from before the cut is only in what was lost)
        const taken = mine ?? this.lost?.legs.get(iface)?.find((l) => l.uniqueid === ev.uniqueid);
        this.work.chain(`record ${iface}`, () =>
          recordLegEnd({ ...this.deps, pause: (ms) => this.work.pause(ms), stopped: () => this.stopped }, ev, iface, taken?.agent, now),
        );
        return;
      }
    }
  }

  /**
   * After a (re)connect: callers waiting from QueueEntry, members on a call from `InCall`. A leg
   * known before keeps its caller and start when the member's channel shows the same call; any
   * other leg on a call takes them from CoreShowChannels (when this AMI account may list channels).
   * Ringing is kept only for callers still waiting: the next event settles it.
   */
  async rebuild(): Promise<void> {
    if (this.stopped) return;
    const gen = ++this.generation;
    this.held ??= [];
    let snap: QueueCalls;
    try {
      snap = await this.deps.pbx.queueCalls();
    } catch (err) {
      if (gen !== this.generation || this.stopped) return;
      this.release();
      this.deps.log.warn({ err: (err as Error).message, pbx: this.name }, 'could not read the queue calls; trying again');
      this.work.later(this.deps.retryMs ?? 2000, () => {
        if (gen === this.generation && this.deps.pbx.isConnected()) void this.rebuild();
      });
      return;
    }
    if (gen !== this.generation || this.stopped) return;
    const now = this.now();
    const lost = this.lost;
    this.lost = undefined;

    const queues = new Set([...this.waiting.keys(), ...snap.waiting.map((w) => w.queue)]);
    const after = rebuiltWaiting(this.waiting, lost, snap, now);
    this.waiting.clear();
    for (const [q, m] of after) this.waiting.set(q, m);
    for (const q of queues) this.sayQueue(q);

    const next = rebuiltLegs(this.legs, lost, snap, (iface) => this.takers.agentFor(iface), (iface, agent) => {
      // a call known from before the cut stays with the agent who took it
      this.takers.keep(iface, agent);
    });
    const touched = new Set([...this.legs.keys(), ...next.keys()]);
    this.legs.clear();
    for (const [iface, legs] of next) this.legs.set(iface, legs);
    for (const iface of touched) this.sayCall(iface);
    this.release();

    const unverified = [...this.legs.values()].flat().filter((l) => l.unverified);
    if (unverified.length === 0) return;
    let channels: ChannelInfo[];
    try {
      channels = await this.deps.pbx.channels();
    } catch (err) {
      this.deps.log.info({ err: (err as Error).message, pbx: this.name }, 'calls rebuilt without the channels (manager.conf: write = reporting lets agentgate read them): callers and timers of calls under way are unknown');
      return;
    }
    if (gen !== this.generation || this.stopped) return;
    for (const leg of unverified) {
      if (!(this.legs.get(leg.interface) ?? []).includes(leg)) continue; // an event moved it meanwhile
      if (verifyLeg(leg, channels, this.now())) this.sayCall(leg.interface);
    }
  }

  /**
   * The AMI connection is gone: nothing is known of the calls until the rebuild after the next
   * login, so every page is told they are over (no call left ringing, no wait growing). What was
   * shown is kept aside for that rebuild.
   */
  private lose(): void {
    this.generation++;
    this.release(); // the rebuild under way is given up: what it held still happened
    const lost: Lost = this.lost ?? { legs: new Map(), waiting: new Map() };
    for (const [iface, legs] of this.legs) lost.legs.set(iface, legs);
    for (const [queue, w] of this.waiting) lost.waiting.set(queue, new Map([...(lost.waiting.get(queue) ?? []), ...w]));
    this.lost = lost;
    const ifaces = [...this.legs.keys()];
    const queues = [...this.waiting.keys()];
    this.legs.clear();
    this.waiting.clear();
    for (const iface of ifaces) this.sayCall(iface);
    for (const queue of queues) this.sayQueue(queue);
  }

  /** The events held over a rebuild, applied now in the order they came. */
  private release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const ev of held) this.step(ev);
  }

  private put(iface: string, leg: Leg): void {
    this.legs.put(iface, leg);
    this.sayCall(iface);
  }

  private drop(gone: Leg[]): void {
    for (const iface of this.legs.drop(gone)) this.sayCall(iface);
  }

  private sayQueue(queue: string): void {
    const w = this.forQueue(queue);
    if (w.waiting === 0) this.waiting.delete(queue);
    this.deps.announce?.('queue', { queue, pbx: this.name, ...w });
  }

  /** The member's call as it is now, announced once its agent is known (in order, per member). */
  private sayCall(iface: string): void {
    const call = this.legs.shown(iface);
    const text = JSON.stringify(call);
    if ((this.said.get(iface) ?? 'null') === text) return;
    if (call) this.said.set(iface, text);
    else this.said.delete(iface);
    this.work.chain(iface, async () => {
      const agent = await this.takers.agentFor(iface);
      this.deps.announce?.('call', { agent: agent ?? null, interface: iface, pbx: this.name, call });
      // the member is free: who logs in there next is looked up afresh
      if (!this.legs.has(iface)) this.takers.forget(iface, agent);
    });
  }
}

import { type Group, byPause, windowOf } from './params.js';
import { type AgentTrack, type Pause, trackAgent } from './track.js';

/** One row of the record, as the report reads it (`t` in ms since the epoch). */
export interface ReportEvent {
  id: number;
  t: number;
  kind: string;
  queue: string | null;
  reason: string | null;
  /** Who started it, on a pause. */
  actor?: string | null;
}

export interface Tally {
  loggedInMs: number;
  pausedMs: number;
  /** No reason is the key `""`. */
  byReasonMs: Map<string, number>;
  pauses: number;
  longestMs: number;
}

/**
 * Where time goes: the report's range `[start, stop)` (stop is the range's end, or now when that is
 * earlier) and, for `group=day`, the instants that begin each local day.
 */
export interface Frame {
  group: Group;
  start: number;
  stop: number;
  /** `bounds[i]`..`bounds[i + 1]` is day `days[i]`; for other groups, one window `[start, stop]`. */
  bounds: number[];
  days: string[];
  /** For group=pbx: the PBX of each queue, as provisioning says when the report is made. */
  pbxOf?: Map<string, string>;
}

/**
 * Folds agents' events into per-group tallies. Semantics (docs/supervisors.md, "Reports"; the
 * stretches of time are src/reports/track.ts's):
 * - group=queue counts each queue's own time; the other groups count the agent's own;
 * - a pause is a stretch of paused time with one reason; it is counted where it began (pauses begun
 *   before the range add time but not to the count); the longest is measured within the range (and
 *   within its day, for group=day).
 */
export class PauseFold {
  readonly tallies = new Map<string, Tally>();
  /** Logged-in time of every agent together: what group=reason and group=actor compare paused time with. */
  totalLoggedInMs = 0;

  constructor(private readonly frame: Frame) {}

  /** `events` must be one agent's, ordered by time then id. */
  agent(agent: string, events: Iterable<ReportEvent>): void {
    const a = this.begin(agent);
    for (const e of events) a.event(e.t, e.kind, e.queue, e.reason, e.actor ?? null);
    a.end();
  }

  /** One agent's events, one at a time, in order (time, then id); then `end()`. */
  begin(agent: string): { event(t: number, kind: string, queue: string | null, reason: string | null, actor?: string | null): void; end(): void } {
    if (this.frame.group === 'pbx') return this.beginByPbx(agent);
    const track = trackAgent(this.frame.group === 'queue', {
      inSpan: (queue, a, b) => this.inSpan(queue, agent, a, b),
      pauseSpan: (queue, p, b) => this.pauseSpan(queue, agent, p, b),
    });
    return { event: track.event, end: () => track.end(this.frame.stop) };
  }

  /**
   * group=pbx: the agent's own time on each PBX, as if its queues there were its whole session —
   * logged in while in any of them, paused while paused in all of them (an agent in queues on two
   * PBXs counts on both). A pause without a queue reaches every PBX the agent is on.
   */
  private beginByPbx(agent: string): ReturnType<PauseFold['begin']> {
    const tracks = new Map<string, AgentTrack>();
    const trackOf = (pbx: string) => {
      let t = tracks.get(pbx);
      if (!t) {
        t = trackAgent(false, { inSpan: (_q, a, b) => this.inSpan(pbx, agent, a, b), pauseSpan: (_q, p, b) => this.pauseSpan(pbx, agent, p, b) });
        tracks.set(pbx, t);
      }
      return t;
    };
    return {
      event: (t, kind, queue, reason, actor) => {
        if (queue !== null) trackOf(this.frame.pbxOf?.get(queue) ?? '').event(t, kind, queue, reason, actor);
        else for (const track of tracks.values()) track.event(t, kind, null, reason, actor);
      },
      end: () => {
        for (const track of tracks.values()) track.end(this.frame.stop);
      },
    };
  }

  private key(window: number, agent: string, queue: string | null, pause: Pause | null): string {
    switch (this.frame.group) {
      case 'agent':
        return agent;
      case 'queue':
      case 'pbx': // the tracks of group=pbx name their PBX where a queue would be
        return queue ?? '';
      case 'day':
        return this.frame.days[window] ?? '';
      case 'reason':
        return pause?.reason ?? '';
      case 'actor':
        return pause?.actor ?? '';
    }
  }

  /** The group has a row even with nothing folded into it (it has queue calls). */
  ensure(key: string): void {
    this.tally(key);
  }

  private tally(key: string): Tally {
    let t = this.tallies.get(key);
    if (!t) {
      t = { loggedInMs: 0, pausedMs: 0, byReasonMs: new Map(), pauses: 0, longestMs: 0 };
      this.tallies.set(key, t);
    }
    return t;
  }

  /** Calls `fn` with each part of `[a, b)` that lies in the range, by window (local day for group=day). */
  private pieces(a: number, b: number, fn: (window: number, ms: number) => void): void {
    const { start, stop, bounds, group } = this.frame;
    let from = Math.max(a, start);
    const to = Math.min(b, stop);
    if (to <= from) return;
    if (group !== 'day') return fn(0, to - from);
    let w = windowOf(bounds, from);
    while (from < to && w < bounds.length - 1) {
      const end = Math.min(to, bounds[w + 1]!);
      if (end > from) fn(w, end - from);
      from = end;
      w++;
    }
  }

  private inSpan(queue: string | null, agent: string, a: number, b: number): void {
    this.pieces(a, b, (w, ms) => {
      if (byPause(this.frame.group)) this.totalLoggedInMs += ms;
      else this.tally(this.key(w, agent, queue, null)).loggedInMs += ms;
    });
  }

  private pauseSpan(queue: string | null, agent: string, p: Pause, b: number): void {
    const reasonKey = p.reason ?? '';
    this.pieces(p.since, b, (w, ms) => {
      const t = this.tally(this.key(w, agent, queue, p));
      t.pausedMs += ms;
      t.byReasonMs.set(reasonKey, (t.byReasonMs.get(reasonKey) ?? 0) + ms);
      if (ms > t.longestMs) t.longestMs = ms;
    });
    const { start, stop, bounds } = this.frame;
    if (p.since >= start && p.since < stop) {
      const w = this.frame.group === 'day' ? windowOf(bounds, p.since) : 0;
      this.tally(this.key(w, agent, queue, p)).pauses++;
    }
  }
}

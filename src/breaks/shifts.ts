import type { AgentSink } from '../reports/record.js';
import { trackAgent } from '../reports/track.js';
import type { BreakKind } from './rules.js';

/** A pause whose reason is a break, as one continuous stretch. */
export interface BreakSpan {
  kind: BreakKind;
  reason: string;
  start: number;
  end: number;
  /** Still going at the end of what was read. */
  open: boolean;
}

/**
 * An agent's working day (jornada): logged-in sessions whose gaps logged off are shorter than
 * `new_shift_after_minutes`, from the first login to the last logoff.
 */
export interface Shift {
  agent: string;
  start: number;
  end: number;
  /** Still logged in at the end of what was read: `end` is not known yet. */
  inProgress: boolean;
  loggedInMs: number;
  breaks: BreakSpan[];
}

/**
 * Reads agents' records (src/reports/record.ts) into shifts with their breaks. A break is the
 * agent's own paused time (paused in every queue of the session, src/reports/track.ts) under a
 * reason provisioned `break: rest|meal`; pauses for the same reason back to back are one break.
 */
export class ShiftFold {
  readonly shifts: Shift[] = [];

  constructor(
    /** Break reasons by lower-case name. */
    private readonly reasons: Map<string, BreakKind>,
    private readonly gapMs: number,
    /** Where reading stopped: what is open is closed here. */
    private readonly stop: number,
    /** Which shifts to keep, by their start. */
    private readonly keep: (start: number) => boolean = () => true,
    /** Told of each shift kept as soon as its agent is read (else they are kept in `shifts`). */
    private readonly onShift: (shift: Shift) => void = (shift) => this.shifts.push(shift),
  ) {}

  begin(agent: string): AgentSink {
    const sessions: Array<[number, number]> = [];
    const breaks: BreakSpan[] = [];
    const track = trackAgent(false, {
      inSpan: (_q, a, b) => {
        if (b > a) sessions.push([a, b]);
      },
      pauseSpan: (_q, p, b) => {
        const kind = p.reason === null ? undefined : this.reasons.get(p.reason.toLowerCase());
        if (!kind || b <= p.since) return;
        const last = breaks[breaks.length - 1];
        if (last && last.end === p.since && last.reason.toLowerCase() === p.reason!.toLowerCase()) last.end = b;
        else breaks.push({ kind, reason: p.reason!, start: p.since, end: b, open: false });
      },
    });
    return {
      event: (t, kind, queue, reason, actor) => track.event(t, kind, queue, reason, actor),
      end: () => {
        const stillIn = track.end(this.stop);
        const last = breaks[breaks.length - 1];
        if (stillIn && last && last.end === this.stop) last.open = true;
        this.build(agent, sessions, breaks, stillIn);
      },
    };
  }

  private build(agent: string, sessions: Array<[number, number]>, breaks: BreakSpan[], stillIn: boolean): void {
    let b = 0;
    for (let i = 0; i < sessions.length; ) {
      const [start] = sessions[i]!;
      let end = sessions[i]![1];
      let loggedInMs = 0;
      for (; i < sessions.length && sessions[i]![0] - end < this.gapMs; i++) {
        loggedInMs += sessions[i]![1] - sessions[i]![0];
        end = Math.max(end, sessions[i]![1]);
      }
      const own: BreakSpan[] = [];
      while (b < breaks.length && breaks[b]!.start < end) {
        if (breaks[b]!.start >= start) own.push(breaks[b]!);
        b++;
      }
      if (this.keep(start)) this.onShift({ agent, start, end, inProgress: stillIn && i === sessions.length, loggedInMs, breaks: own });
    }
  }
}

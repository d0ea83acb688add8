/**
 * pbx.c's dialplan hints, as far as lamps need them: hints from the configuration (a pattern such as
 * `_*55X.` with `${EXTEN:3}` in its device, or a plain extension), the concrete hint Asterisk
 * creates from a pattern on the first look-up of an extension it matches (21-device-state-lamps.txt:
 * `ExtensionState *512002` creates `*512002` with `Custom:agentgate-2002`), the extension state
 * each watches, and the `ExtensionStatus` event published when it changes.
 *
 * Concrete hints made from patterns live in memory only: a restart forgets them (the configured
 * ones come back from the configuration).
 */
import { DS } from './devices.js';
import type { EventQueue } from './events.js';
import { bucketOrder, strCaseHash } from './ordering.js';
import { FLAG } from './protocol.js';

/** A hint as extensions.conf declares it: `exten => <exten>,hint,<hint>` in `[<context>]`. */
export interface HintSpec {
  context: string;
  /** An extension, or a pattern starting with `_`. */
  exten: string;
  /** Devices joined with `&`; `${EXTEN}` and `${EXTEN:offset[:length]}` are expanded for a concrete hint. */
  hint: string;
}

/** The hints the shipped dialplan (dialplan/agentgate.conf) declares; a test keeps the two in step. */
export const SHIPPED_HINTS: readonly HintSpec[] = [
  { context: 'agentgate-features', exten: '_*55X', hint: 'Custom:agentgate-${EXTEN:3}' },
  { context: 'agentgate-features', exten: '_*55X.', hint: 'Custom:agentgate-${EXTEN:3}' },
];

/** pbx.c HASH_EXTENHINT_SIZE: the hints container is walked bucket by bucket. */
const HINT_BUCKETS = 563;

/** include/asterisk/pbx.h enum ast_extension_states. */
export const EXT = { DEACTIVATED: -1, NOT_INUSE: 0, INUSE: 1, BUSY: 2, UNAVAILABLE: 4, RINGING: 8, ONHOLD: 16 } as const;

/** pbx.c ast_extension_state2str(). */
export function extensionStateText(state: number): string {
  switch (state) {
    case EXT.NOT_INUSE:
      return 'Idle';
    case EXT.INUSE:
      return 'InUse';
    case EXT.BUSY:
      return 'Busy';
    case EXT.UNAVAILABLE:
      return 'Unavailable';
    case EXT.RINGING:
      return 'Ringing';
    case EXT.INUSE | EXT.RINGING:
      return 'InUse&Ringing';
    case EXT.ONHOLD:
      return 'Hold';
    case EXT.INUSE | EXT.ONHOLD:
      return 'InUse&Hold';
    default:
      return 'Unknown';
  }
}

/** devicestate.c ast_devstate_aggregate_add() over the devices of a hint, then ast_devstate_to_extenstate(). */
export function extensionState(deviceStates: readonly number[]): number {
  // rank of each device state (by DS number) in the aggregate: the highest wins
  const order = [1, 3, 6, 7, 0, 2, 5, 8, 4];
  let agg: number = DS.INVALID;
  let ringing = false;
  let inuse = false;
  for (const s of deviceStates) {
    if (s === DS.RINGING) ringing = true;
    else if (s === DS.INUSE || s === DS.ONHOLD || s === DS.BUSY) inuse = true;
    if (ringing && inuse) agg = DS.RINGINUSE;
    else if ((order[s] ?? 0) > (order[agg] ?? 0)) agg = s;
  }
  switch (agg) {
    case DS.ONHOLD:
      return EXT.ONHOLD;
    case DS.BUSY:
      return EXT.BUSY;
    case DS.UNAVAILABLE:
    case DS.INVALID:
      return EXT.UNAVAILABLE;
    case DS.RINGINUSE:
      return EXT.INUSE | EXT.RINGING;
    case DS.RINGING:
      return EXT.RINGING;
    case DS.INUSE:
      return EXT.INUSE;
    default:
      // NOT_INUSE, and UNKNOWN (a Custom: device nobody set yet): the capture's never-set 2002 is Idle
      return EXT.NOT_INUSE;
  }
}

/** A concrete hint: one extension of one context watching its devices. */
export interface Hint {
  context: string;
  exten: string;
  /** The devices, as `Hint:` shows them (expanded). */
  hint: string;
  laststate: number;
  seq: number;
}

export class Hints {
  private concrete: Hint[] = [];
  private seq = 0;

  constructor(
    private readonly events: EventQueue,
    private readonly stateOf: (device: string) => number,
    private readonly specs: readonly HintSpec[],
  ) {
    this.load();
  }

  /** The hint ExtensionState would use for `exten@context`, made concrete from a pattern if needed. */
  lookup(context: string, exten: string): Hint | undefined {
    const found = this.concrete.find((h) => sameName(h.context, context) && h.exten === exten);
    if (found) return found;
    const spec = this.specs.find((s) => sameName(s.context, context) && s.exten.startsWith('_') && matches(s.exten, exten));
    if (!spec) return undefined;
    const hint = this.add(spec.context, exten, expand(spec.hint, exten));
    // Adding the hint publishes its first state (the ExtensionStatus that follows ExtensionState *512002).
    this.publish(hint);
    return hint;
  }

  /** Concrete hints in the order ExtensionStateList walks them (pattern hints are never listed). */
  list(): Hint[] {
    return bucketOrder(this.concrete, (h) => strCaseHash(h.exten) % HINT_BUCKETS);
  }

  /** A device changed state: every hint watching it whose extension state changed says so. */
  deviceChanged(device: string): void {
    const key = device.toLowerCase();
    const watching = this.concrete.filter((h) => devices(h.hint).some((d) => d.toLowerCase() === key));
    for (const h of bucketOrder(watching, (x) => strCaseHash(x.exten) % HINT_BUCKETS)) {
      const state = this.stateNow(h);
      if (state === h.laststate) continue;
      h.laststate = state;
      this.publish(h);
    }
  }

  /** A restart: only the configured concrete hints come back. */
  restart(): void {
    this.concrete = [];
    this.load();
  }

  stateNow(h: Pick<Hint, 'hint'>): number {
    return extensionState(devices(h.hint).map((d) => this.stateOf(d)));
  }

  private load(): void {
    for (const s of this.specs) if (!s.exten.startsWith('_')) this.add(s.context, s.exten, s.hint);
  }

  private add(context: string, exten: string, hint: string): Hint {
    const h: Hint = { context, exten, hint, laststate: 0, seq: this.seq++ };
    h.laststate = this.stateNow(h);
    this.concrete.push(h);
    return h;
  }

  private publish(h: Hint): void {
    this.events.publish(FLAG.call, 'ExtensionStatus', [
      ['Exten', h.exten],
      ['Context', h.context],
      ['Hint', h.hint],
      ['Status', String(h.laststate)],
      ['StatusText', extensionStateText(h.laststate)],
    ]);
  }
}

function devices(hint: string): string[] {
  return hint.split('&').filter((d) => d !== '');
}

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** pbx.c extension pattern matching: X, Z, N, [ranges], `.` (one or more), `!` (zero or more). */
export function matches(pattern: string, exten: string): boolean {
  let re = '^';
  const p = pattern.slice(1);
  for (let i = 0; i < p.length; i++) {
    const c = p[i] as string;
    if (c === 'X' || c === 'x') re += '[0-9]';
    else if (c === 'Z' || c === 'z') re += '[1-9]';
    else if (c === 'N' || c === 'n') re += '[2-9]';
    else if (c === '.') re += '.+';
    else if (c === '!') re += '.*';
    else if (c === '[') {
      const end = p.indexOf(']', i);
      if (end < 0) return false;
      re += `[${p.slice(i + 1, end).replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`${re}$`).test(exten);
}

/** `${EXTEN}` and `${EXTEN:offset[:length]}` (what a pattern hint may use), as pbx_substitute_variables expands them. */
export function expand(template: string, exten: string): string {
  return template.replace(/\$\{EXTEN(?::(-?[0-9]+)(?::(-?[0-9]+))?)?\}/g, (_all, off?: string, len?: string) => {
    let start = off === undefined ? 0 : Number(off);
    if (start < 0) start = Math.max(0, exten.length + start);
    const rest = exten.slice(start);
    if (len === undefined) return rest;
    const n = Number(len);
    return n < 0 ? rest.slice(0, Math.max(0, rest.length + n)) : rest.slice(0, n);
  });
}

/** What a pause report is asked for, checked once for HTTP and the command line alike. */
export const GROUPS = ['agent', 'reason', 'queue', 'day', 'actor', 'pbx'] as const;
export type Group = (typeof GROUPS)[number];

/**
 * Groups keyed by what a pause carries (its reason, who started it): their rows hold paused time
 * only, compared with the logged-in time of everyone, and no queue calls (a call has neither).
 */
export function byPause(group: Group): group is 'reason' | 'actor' {
  return group === 'reason' || group === 'actor';
}
export const FORMATS = ['json', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

/** A report spans at most this many local days. */
export const MAX_DAYS = 366;

export interface ReportRequest {
  from: string;
  to: string;
  tz: string;
  group: Group;
  format: Format;
}

/** A parameter that cannot be used; `param` names it (it goes to the caller as `detail`). */
export class ReportParamError extends Error {
  constructor(readonly param: string, message: string) {
    super(message);
    this.name = 'ReportParamError';
  }
}

/** The zone the service runs in: `TZ` when set, else the system's. */
export function defaultZone(): string {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC';
}

export function isZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `YYYY-MM-DD` that names a real calendar day. */
function isDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

function one(params: Record<string, unknown>, key: string): string | undefined {
  const v = params[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new ReportParamError(key, `${key} must be given once, as text`);
  return v.trim();
}

/** The range of a report (`from`, `to`, `tz`); the first bad one is named. */
export function parseRange(params: Record<string, unknown>, defaults: { tz: string } = { tz: defaultZone() }): Pick<ReportRequest, 'from' | 'to' | 'tz'> {
  const from = one(params, 'from');
  if (from === undefined || !isDate(from)) throw new ReportParamError('from', 'from must be a date, YYYY-MM-DD');
  const to = one(params, 'to') ?? from;
  if (!isDate(to)) throw new ReportParamError('to', 'to must be a date, YYYY-MM-DD');
  if (to < from) throw new ReportParamError('to', 'to must not be before from');
  if (dayCount(from, to) > MAX_DAYS) throw new ReportParamError('to', `a report spans at most ${MAX_DAYS} days`);
  const tz = one(params, 'tz') ?? defaults.tz;
  if (!isZone(tz)) throw new ReportParamError('tz', 'tz must be an IANA time zone, e.g. America/Sao_Paulo');
  return { from, to, tz };
}

/** `format`: json (the default) or csv. */
export function parseFormat(params: Record<string, unknown>): Format {
  const format = one(params, 'format') ?? 'json';
  if (!(FORMATS as readonly string[]).includes(format)) throw new ReportParamError('format', `format must be one of ${FORMATS.join(', ')}`);
  return format as Format;
}

/** Query-string or command-line values → a pause report request; the first bad one is named. */
export function parseReportRequest(params: Record<string, unknown>, defaults: { tz: string } = { tz: defaultZone() }): ReportRequest {
  const range = parseRange(params, defaults);
  const group = one(params, 'group') ?? 'agent';
  if (!(GROUPS as readonly string[]).includes(group)) throw new ReportParamError('group', `group must be one of ${GROUPS.join(', ')}`);
  return { ...range, group: group as Group, format: parseFormat(params) };
}

/** A text parameter given at most once (trimmed), or undefined. */
export const oneParam = one;

function dayCount(from: string, to: string): number {
  return (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000 + 1;
}

/** Every local day from `from` to `to` inclusive, as `YYYY-MM-DD`. */
export function daysOf(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** How far `tz` is ahead of UTC at instant `t` (ms). */
export function offsetAt(tz: string, t: number): number {
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formats.set(tz, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
  const local = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return local - Math.floor(t / 1000) * 1000;
}

/**
 * The instant a local day begins in `tz`. Where a clock change skips midnight, the day begins at
 * the first local time that exists.
 */
export function startOfDay(day: string, tz: string): number {
  const wall = Date.parse(`${day}T00:00:00Z`);
  let t = wall - offsetAt(tz, wall);
  // the offset at the guess may differ from the offset at the answer (a change within the day)
  for (let i = 0; i < 2; i++) {
    const again = wall - offsetAt(tz, t);
    if (again === t) break;
    t = again;
  }
  return t;
}

/** The range's local days and the instants that bound them: `bounds[i]`..`bounds[i + 1]` is `days[i]`. */
export function dayBounds(req: Pick<ReportRequest, 'from' | 'to' | 'tz'>): { days: string[]; bounds: number[] } {
  const days = daysOf(req.from, req.to);
  const bounds = days.map((d) => startOfDay(d, req.tz));
  bounds.push(startOfDay(nextDay(req.to), req.tz));
  return { days, bounds };
}

const QUARTER_MS = 15 * 60_000;
/** Per zone, the offset of each quarter hour asked for; null: a clock change falls inside it. */
const quarterOffsets = new Map<string, Map<number, number | null>>();
const offsetTexts = new Map<number, string>();

/**
 * `offsetAt`, kept per quarter hour: a report gives hundreds of thousands of local times, and
 * Intl's formatting would be most of their cost. A quarter with a clock change inside (the offsets
 * at its two ends differ) is computed each time.
 */
function offsetNear(tz: string, t: number): number {
  let zone = quarterOffsets.get(tz);
  if (!zone) {
    zone = new Map();
    quarterOffsets.set(tz, zone);
  }
  const q = Math.floor(t / QUARTER_MS);
  let off = zone.get(q);
  if (off === undefined) {
    const a = offsetAt(tz, q * QUARTER_MS);
    off = a === offsetAt(tz, (q + 1) * QUARTER_MS) ? a : null;
    if (zone.size > 100_000) zone.clear();
    zone.set(q, off);
  }
  return off ?? offsetAt(tz, t);
}

function offsetText(off: number): string {
  let text = offsetTexts.get(off);
  if (text === undefined) {
    const m = Math.round(Math.abs(off) / 60_000);
    text = `${off < 0 ? '-' : '+'}${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
    offsetTexts.set(off, text);
  }
  return text;
}

const dayTexts = new Map<number, string>();
const timeTexts: string[] = [];
const two = (n: number) => (n < 10 ? `0${n}` : String(n));

/** Instant `t` as local time in `tz` with its offset, to the second: `2026-12-07T08:00:00-03:00`. */
export function localIso(t: number, tz: string): string {
  const off = offsetNear(tz, t);
  // built from a day's text and a second's, each made once: a month's report writes half a million
  const s = Math.floor((Math.floor(t / 1000) * 1000 + off) / 1000);
  const day = Math.floor(s / 86_400);
  const second = s - day * 86_400;
  let date = dayTexts.get(day);
  if (date === undefined) {
    date = `${new Date(day * 86_400_000).toISOString().slice(0, 10)}T`;
    if (dayTexts.size > 100_000) dayTexts.clear();
    dayTexts.set(day, date);
  }
  let time = timeTexts[second];
  if (time === undefined) {
    time = `${two(Math.floor(second / 3600))}:${two(Math.floor((second % 3600) / 60))}:${two(second % 60)}`;
    timeTexts[second] = time;
  }
  return date + time + offsetText(off);
}

/** The window of `bounds` (ascending) that holds instant `t`. */
export function windowOf(bounds: number[], t: number): number {
  let lo = 0;
  let hi = bounds.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (bounds[mid]! <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

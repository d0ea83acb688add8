import type { PauseReport } from './pauses.js';

/** RFC 4180: a field with a comma, a quote or a line break is quoted, quotes doubled; lines end in CRLF. */
export function csvField(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The queue calls' columns (empty by reason). */
const CALL_COLUMNS = ['calls_answered', 'talk_s', 'missed_rings'] as const;

/**
 * The report as CSV: the group's column(s) (`agent,name` | `reason` | `queue` | `day` | `actor` | `pbx`), then
 * logged_in_s, paused_s, pauses, longest_pause_s, paused_ratio, productive_paused_s,
 * unproductive_paused_ratio, calls_answered, talk_s, missed_rings, and one `paused_s:<reason>`
 * column per reason (`paused_s:` is "no reason given"). UTF-8, no byte-order mark.
 */
export function reportCsv(r: PauseReport): string {
  const keys = r.group === 'agent' ? ['agent', 'name'] : [r.group];
  const header = [...keys, 'logged_in_s', 'paused_s', 'pauses', 'longest_pause_s', 'paused_ratio', 'productive_paused_s', 'unproductive_paused_ratio', ...CALL_COLUMNS, ...r.reasons.map((x) => `paused_s:${x ?? ''}`)];
  const lines = [header.map(csvField).join(',')];
  for (const row of r.rows) {
    const values = [
      ...keys.map((k) => (row as unknown as Record<string, unknown>)[k]),
      row.logged_in_s,
      row.paused_s,
      row.pauses,
      row.longest_pause_s,
      row.paused_ratio,
      row.productive_paused_s,
      row.unproductive_paused_ratio,
      ...CALL_COLUMNS.map((c) => row[c]),
      ...r.reasons.map((x) => row.paused_by_reason[x ?? ''] ?? 0),
    ];
    lines.push(values.map(csvField).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

export function csvFileName(r: PauseReport): string {
  return `pauses-by-${r.group}-${r.from}-${r.to}.csv`;
}

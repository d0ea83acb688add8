import { csvField } from '../reports/csv.js';
import type { BreakOut, BreaksReport } from './report.js';

const breaks = (bs: BreakOut[]) => bs.map((b) => `${b.start} ${b.length_s}s${b.problems.length ? ` ${b.problems.join(' ')}` : ''}`).join('; ');

/**
 * The breaks report as CSV, one line per shift: agent, name, day, shift_start, shift_end,
 * in_progress, logged_in_s, worked_s, rest_breaks_required, rest_breaks, meal_breaks_required,
 * meal_breaks, shortfalls. A list of breaks is `<start> <length>s [problems]` joined by `; `; a
 * shortfall is `<break> <problem> [<start of the break>]`. UTF-8, CRLF, no byte-order mark.
 */
export function breaksCsv(r: BreaksReport): string {
  const header = ['agent', 'name', 'day', 'shift_start', 'shift_end', 'in_progress', 'logged_in_s', 'worked_s', 'rest_breaks_required', 'rest_breaks', 'meal_breaks_required', 'meal_breaks', 'shortfalls'];
  const lines = [header.join(',')];
  for (const row of r.rows) {
    const shortfalls = row.shortfalls.map((f) => `${f.break} ${f.problem}${f.at ? ` ${f.at}` : ''}`).join('; ');
    const values = [row.agent, row.name, row.day, row.shift_start, row.shift_end, row.in_progress, row.logged_in_s, row.worked_s, row.rest_breaks_required, breaks(row.rest_breaks), row.meal_breaks_required, breaks(row.meal_breaks), shortfalls];
    lines.push(values.map(csvField).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

export function breaksCsvFileName(r: BreaksReport): string {
  return `breaks-${r.agent ? `${r.agent}-` : ''}${r.from}-${r.to}.csv`;
}

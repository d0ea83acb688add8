/**
 * A timestamp column as text the way JavaScript's `toISOString()` writes it (UTC, milliseconds,
 * `Z`), so a time reads the same from every answer: the lists, the feed, `status`, webhooks.
 */
export function isoSql(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** One row of the pause report: the group's key, its times and ratios, and its queue calls. */
export interface ReportRow {
  agent?: string;
  name?: string | null;
  reason?: string | null;
  /** Who started the pauses of this row (group=actor); null: the record does not say. */
  actor?: string | null;
  queue?: string;
  day?: string;
  /** group=pbx: the PBX of the row's queues; null for queues no longer provisioned. */
  pbx?: string | null;
  logged_in_s: number;
  paused_s: number;
  /** Paused seconds by reason; `""` is "no reason given". */
  paused_by_reason: Record<string, number>;
  pauses: number;
  longest_pause_s: number;
  /** paused / logged in, 4 decimals; null when nobody was logged in. */
  paused_ratio: number | null;
  /** The part of `paused_s` whose reason is productive (pause rules): working time. */
  productive_paused_s: number;
  /** (paused − productive) / logged in, 4 decimals; null when nobody was logged in. */
  unproductive_paused_ratio: number | null;
  /** Queue calls answered, their talk time, and rings not answered (src/reports/calls.ts); null by reason and by actor. */
  calls_answered: number | null;
  talk_s: number | null;
  missed_rings: number | null;
}

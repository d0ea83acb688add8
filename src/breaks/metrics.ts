import type { Knex } from 'knex';
import { Gauge, type Registry } from 'prom-client';
import { clockNow, databaseClock } from '../clock.js';
import { localIso } from '../reports/params.js';
import { restBreaksDue } from './due.js';
import { PROBLEMS } from './judge.js';
import { breaksReport } from './report.js';
import { BREAK_KINDS } from './rules.js';

/** Each figure reads a day of the record: read at most this often, whatever the scrape interval. */
const EVERY_MS = 60_000;

interface Figures {
  shortfalls: Map<string, number>;
  due: number;
}

/**
 * The breaks the law requires as metrics (docs/pauses.md, "Breaks"): the shortfalls of the shifts
 * that began today in `zone`, and the agents whose rest break is due now. Read from the database,
 * the same on every instance; left out when it cannot be read.
 */
export class BreakMetrics {
  private last: { at: number; figures: Promise<Figures | undefined> } | undefined;

  constructor(registers: Registry[], private readonly db: Knex, private readonly zone: string) {
    const read = () => this.read();
    new Gauge({
      name: 'agentgate_break_shortfalls',
      help: 'What falls short of the shift rules in the shifts that began today (local day of the service), by break (rest, meal) and problem (missing, too_short, too_early, too_late)',
      labelNames: ['break', 'problem'],
      registers,
      async collect() {
        const f = await read();
        this.reset();
        if (!f) return;
        for (const b of BREAK_KINDS) for (const p of PROBLEMS) this.set({ break: b, problem: p }, f.shortfalls.get(`${b} ${p}`) ?? 0);
      },
    });
    new Gauge({
      name: 'agentgate_rest_breaks_due',
      help: 'Agents logged in now whose rest break is due (the wallboard marks them)',
      registers,
      async collect() {
        const f = await read();
        this.reset();
        if (f) this.set(f.due);
      },
    });
  }

  private read(): Promise<Figures | undefined> {
    const t = performance.now();
    if (!this.last || t - this.last.at >= EVERY_MS) {
      const figures = this.figures().catch(() => undefined);
      // a failed read is not kept: the next scrape tries again
      void figures.then((f) => {
        if (!f && this.last?.figures === figures) this.last = undefined;
      });
      this.last = { at: t, figures };
    }
    return this.last.figures;
  }

  private async figures(): Promise<Figures> {
    const now = await clockNow(this.db, databaseClock);
    const today = localIso(now.getTime(), this.zone).slice(0, 10);
    const [report, due] = await Promise.all([breaksReport(this.db, { from: today, to: today, tz: this.zone, format: 'json' }, now), restBreaksDue(this.db, now)]);
    const shortfalls = new Map<string, number>();
    for (const row of report.rows) for (const f of row.shortfalls) shortfalls.set(`${f.break} ${f.problem}`, (shortfalls.get(`${f.break} ${f.problem}`) ?? 0) + 1);
    return { shortfalls, due: due.agents.length };
  }
}

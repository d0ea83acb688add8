import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Knex } from 'knex';
import { csvFileName, reportCsv } from '../reports/csv.js';
import { ReportParamError, parseReportRequest } from '../reports/params.js';
import { pauseReport } from '../reports/pauses.js';
import { breaksCsv, breaksCsvFileName } from '../breaks/csv.js';
import { restBreaksDue } from '../breaks/due.js';
import { breaksReport, parseBreaksRequest } from '../breaks/report.js';
import { badParameterNamed } from './answers.js';

export interface ReportRouteDeps {
  db: Knex;
  send: (reply: FastifyReply, answer: { status: number; body: object }) => FastifyReply;
  /** The zone of a report that names none. */
  defaultZone: string;
  /** The agents whose rest break is due now (kept a few seconds: every wallboard asks). */
  restDue: () => ReturnType<typeof restBreaksDue>;
}

/** One report route: its parameters, the report, and its CSV with the file name. */
interface ReportKind<Req extends { format: string }, R> {
  parse: (params: Record<string, unknown>, defaults: { tz: string }) => Req;
  make: (db: Knex, req: Req) => Promise<R>;
  csv: (report: R) => string;
  fileName: (report: R) => string;
}

/**
 * `GET /api/reports/pauses` (docs/supervisors.md, "Reports") and `GET /api/reports/breaks`
 * (docs/pauses.md, "Breaks"): JSON or CSV; a bad parameter is named; Postgres away is the error
 * handler's 503 Database unavailable. `GET /api/breaks/due`: who is due a rest break now.
 */
export function registerReports(app: FastifyInstance, deps: ReportRouteDeps): void {
  const route = <Req extends { format: string }, R extends object>(url: string, kind: ReportKind<Req, R>) =>
    app.get(url, async (req, reply) => {
      let request: Req;
      try {
        request = kind.parse(req.query as Record<string, unknown>, { tz: deps.defaultZone });
      } catch (err) {
        if (err instanceof ReportParamError) return deps.send(reply, badParameterNamed(err.param));
        throw err;
      }
      const report = await kind.make(deps.db, request);
      if (request.format !== 'csv') return deps.send(reply, { status: 200, body: report });
      return reply
        .code(200)
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${kind.fileName(report)}"`)
        .send(kind.csv(report));
    });
  route('/api/reports/pauses', { parse: parseReportRequest, make: (db, r) => pauseReport(db, r), csv: reportCsv, fileName: csvFileName });
  route('/api/reports/breaks', { parse: parseBreaksRequest, make: (db, r) => breaksReport(db, r), csv: breaksCsv, fileName: breaksCsvFileName });
  app.get('/api/breaks/due', async (_req, reply) => deps.send(reply, { status: 200, body: await deps.restDue() }));
}

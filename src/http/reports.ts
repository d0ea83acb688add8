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

/** `GET /api/reports/pauses`: the pause report as JSON or CSV (docs/supervisors.md, "Reports"). */
export function registerReports(app: FastifyInstance, deps: ReportRouteDeps): void {
  app.get('/api/reports/pauses', async (req, reply) => {
    let request;
    try {
      request = parseReportRequest(req.query as Record<string, unknown>, { tz: deps.defaultZone });
    } catch (err) {
      if (err instanceof ReportParamError) return deps.send(reply, badParameterNamed(err.param));
      throw err;
    }
    // Postgres away: the error handler answers 503 Database unavailable
    const report = await pauseReport(deps.db, request);
    if (request.format === 'csv') {
      return reply
        .code(200)
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${csvFileName(report)}"`)
        .send(reportCsv(report));
    }
    return deps.send(reply, { status: 200, body: report });
  });

  // the breaks the law requires (docs/pauses.md, "Breaks")
  app.get('/api/reports/breaks', async (req, reply) => {
    let request;
    try {
      request = parseBreaksRequest(req.query as Record<string, unknown>, { tz: deps.defaultZone });
    } catch (err) {
      if (err instanceof ReportParamError) return deps.send(reply, badParameterNamed(err.param));
      throw err;
    }
    const report = await breaksReport(deps.db, request);
    if (request.format === 'csv') {
      return reply
        .code(200)
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${breaksCsvFileName(report)}"`)
        .send(breaksCsv(report));
    }
    return deps.send(reply, { status: 200, body: report });
  });

  app.get('/api/breaks/due', async (_req, reply) => deps.send(reply, { status: 200, body: await deps.restDue() }));
}

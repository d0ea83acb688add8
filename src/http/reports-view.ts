import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

/** The repository's web/ folder, from src/http (tsx) and dist/http (built) alike. */
const WEB = new URL('../../web/reports/', import.meta.url);

export const REPORTS_VIEW_FILES = {
  '/wallboard/reports': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/wallboard/reports/reports.js': { file: 'reports.js', type: 'text/javascript; charset=utf-8' },
  '/wallboard/reports/reports.css': { file: 'reports.css', type: 'text/css; charset=utf-8' },
} as const;

/**
 * The reports page and its own script and style. They hold no data, so they are served to anyone;
 * the page asks for a token when the report API refuses its caller (README, "Reports view").
 */
export function registerReportsView(app: FastifyInstance): void {
  for (const [url, { file, type }] of Object.entries(REPORTS_VIEW_FILES)) {
    const body = readFileSync(new URL(file, WEB));
    app.get(url, { config: { public: true } }, async (_req, reply) =>
      reply
        .code(200)
        .type(type)
        .header('cache-control', 'no-cache')
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'")
        .send(body),
    );
  }
}

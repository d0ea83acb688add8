import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

/** The repository's web/ folder, from src/http (tsx) and dist/http (built) alike. */
const WEB = new URL('../../web/', import.meta.url);

const TYPES = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' } as const;

/** Every page and asset of web/: nothing is loaded from elsewhere, and nothing may frame them. */
const HEADERS = {
  'cache-control': 'no-cache',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
};

export interface Page {
  /** Where the page answers, e.g. `/wallboard`; its assets answer under `<url>/<file>`. */
  url: string;
  /** Its folder under web/. */
  folder: string;
  summary: string;
  assets: string[];
}

/** The wallboard and its reports view: static files that hold no data (the data come from the API). */
export const PAGES: Page[] = [
  { url: '/wallboard', folder: 'wallboard', summary: 'The live wallboard', assets: ['wallboard.js', 'wallboard.css'] },
  { url: '/wallboard/reports', folder: 'reports', summary: 'The pause report view', assets: ['reports.js', 'reports.css'] },
];

/** Every URL the pages answer, for the route table and the OpenAPI document. */
export const PAGE_URLS: string[] = PAGES.flatMap((p) => [p.url, ...p.assets.map((a) => `${p.url}/${a}`)]);

/**
 * Serves each page and its assets, read once at start. They are public so that a browser can load
 * them before it has a token; a page answers 403 (still the page, which then asks for a token) to a
 * caller the access rule refuses, so a plain request shows the refusal.
 */
export function registerPages(app: FastifyInstance): void {
  for (const page of PAGES) {
    const read = (file: string) => readFileSync(new URL(`${page.folder}/${file}`, WEB));
    const html = read('index.html');
    app.get(page.url, { config: { public: true } }, async (req, reply) =>
      reply.code(req.allowed ? 200 : 403).type(TYPES.html).headers(HEADERS).send(html),
    );
    for (const asset of page.assets) {
      const body = read(asset);
      const type = TYPES[asset.slice(asset.lastIndexOf('.') + 1) as keyof typeof TYPES];
      app.get(`${page.url}/${asset}`, { config: { public: true } }, async (_req, reply) => reply.code(200).type(type).headers(HEADERS).send(body));
    }
  }
}

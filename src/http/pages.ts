import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { KEY_COOKIE } from '../access/credentials.js';

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
  { url: '/wallboard', folder: 'wallboard', summary: 'The live wallboard', assets: ['wallboard.js', 'i18n.js', 'dom.js', 'tiles.js', 'feed.js', 'actions.js', 'breaks.js', 'wallboard.css'] },
  { url: '/wallboard/reports', folder: 'reports', summary: 'The pause report view', assets: ['reports.js', 'page.js', 'reports.css'] },
  { url: '/wallboard/breaks', folder: 'breaks', summary: 'The breaks report view (NR-17)', assets: ['breaks.js', 'breaks.css'] },
  { url: '/agent', folder: 'agent', summary: "The agent panel: one agent's own state and commands", assets: ['agent.js', 'pending.js', 'agent.css'] },
];

/** Every URL the pages answer, for the route table and the OpenAPI document. */
export const PAGE_URLS: string[] = PAGES.flatMap((p) => [p.url, ...p.assets.map((a) => `${p.url}/${a}`)]);

/**
 * Serves each page and its assets, read once at start. They are public so that a browser can load
 * them before it has a credential; a page answers 403 (still the page, which then asks for a key) to a
 * caller the access table refuses (src/http/routes.ts), so a plain request shows the refusal.
 */
export function registerPages(app: FastifyInstance): void {
  for (const page of PAGES) {
    const read = (file: string) => readFileSync(new URL(`${page.folder}/${file}`, WEB));
    const html = read('index.html');
    app.get(page.url, async (req, reply) => {
      const exchanged = exchangeToken(req, page.url);
      if (exchanged) return reply.code(303).headers(HEADERS).header('set-cookie', exchanged.cookie).header('location', exchanged.location).send();
      return reply.code(req.refusal ? 403 : 200).type(TYPES.html).headers(HEADERS).send(html);
    });
    for (const asset of page.assets) {
      const body = read(asset);
      const type = TYPES[asset.slice(asset.lastIndexOf('.') + 1) as keyof typeof TYPES];
      app.get(`${page.url}/${asset}`, async (_req, reply) => reply.code(200).type(type).headers(HEADERS).send(body));
    }
  }
}

/** A browser keeps the wallboard's key this long (the longest a browser keeps a cookie); the key's own expiry still holds. */
const KEY_COOKIE_S = 400 * 86_400;

/**
 * A page opened with a valid `token=` (a TV's bookmark): the key moves into an HttpOnly cookie and
 * the browser is sent to the same address without it, so it is left in no history, no screenshot
 * and no Referer. A token that is refused is not exchanged: the page says so.
 */
function exchangeToken(req: FastifyRequest, url: string): { cookie: string; location: string } | undefined {
  const token = (req.query as Record<string, unknown>).token;
  if (typeof token !== 'string' || req.refusal || req.principal?.via !== 'key') return undefined;
  const rest = new URLSearchParams(req.url.slice(req.url.indexOf('?') + 1));
  rest.delete('token');
  const query = rest.toString();
  const secure = req.protocol === 'https' ? '; Secure' : '';
  return {
    cookie: `${KEY_COOKIE}=${token}; Path=/; Max-Age=${KEY_COOKIE_S}; HttpOnly; SameSite=Strict${secure}`,
    location: query ? `${url}?${query}` : url,
  };
}

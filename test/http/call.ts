import type { FastifyInstance } from 'fastify';

export type Mode = 'GET' | 'POST form' | 'POST json';
export const MODES: Mode[] = ['GET', 'POST form', 'POST json'];

export interface Answer {
  status: number;
  body: Record<string, unknown>;
  type: string | undefined;
}

/** Calls /api/agent.php the way an integration would, in one of the three accepted shapes. */
export async function call(
  app: FastifyInstance,
  mode: Mode,
  params: Record<string, string>,
  opts: { url?: string; remoteAddress?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const url = opts.url ?? '/api/agent.php';
  const qs = new URLSearchParams(params).toString();
  const base = { remoteAddress: opts.remoteAddress ?? '127.0.0.1', headers: opts.headers ?? {} };
  const res =
    mode === 'GET'
      ? await app.inject({ ...base, method: 'GET', url: qs ? `${url}?${qs}` : url })
      : mode === 'POST form'
        ? await app.inject({ ...base, method: 'POST', url, payload: qs, headers: { ...base.headers, 'content-type': 'application/x-www-form-urlencoded' } })
        : await app.inject({ ...base, method: 'POST', url, payload: JSON.stringify(params), headers: { ...base.headers, 'content-type': 'application/json' } });
  return { status: res.statusCode, body: res.json() as Record<string, unknown>, type: res.headers['content-type'] as string | undefined };
}

import type { FastifyRequest } from 'fastify';

/** The parameters a command reads; anything else in a request is ignored. */
export const PARAMS = ['command', 'agent', 'exten', 'queue', 'reason', 'wait'] as const;

/**
 * Query strings and form bodies, read as PHP reads them: a repeated key keeps its last value (JSON
 * does the same). Invalid UTF-8 becomes U+FFFD, which the commands refuse, rather than passing
 * through undecoded.
 */
export function parseParams(text: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const [key, value] of new URLSearchParams(text)) out[key] = value;
  return out;
}

/** PHP's $_REQUEST: the query string, with body fields taking precedence. */
export function merge(query: unknown, body: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const source of [query, body]) {
    if (source && typeof source === 'object' && !Array.isArray(source) && !Buffer.isBuffer(source)) Object.assign(out, source);
  }
  return out;
}

/** Bounds for a multipart body: a few short fields, no files. */
export const MULTIPART_LIMITS = { fields: 32, parts: 32, files: 0, fieldSize: 8 * 1024, fieldNameSize: 100, headerPairs: 16 };

export class MultipartRefused extends Error {
  constructor(readonly statusCode: 400 | 413) {
    super('multipart body refused');
  }
}

/**
 * A multipart/form-data body read like a form body (what `curl -F` and PHP cURL with an array
 * send): text fields, last value of a repeated name wins. A file part, a truncated value or more
 * parts than the limits allow is refused whole (413), before any command runs.
 */
export async function readMultipart(req: FastifyRequest): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = Object.create(null);
  try {
    for await (const part of req.parts({ limits: MULTIPART_LIMITS })) {
      if (part.type === 'file') {
        part.file.resume();
        throw new MultipartRefused(413);
      }
      if (part.valueTruncated || part.fieldnameTruncated) throw new MultipartRefused(413);
      // a part sent as application/json arrives parsed: an object or a list, which commands refuse
      out[part.fieldname] = part.value;
    }
  } catch (err) {
    if (err instanceof MultipartRefused) throw err;
    // the plugin's limit errors say 413; anything busboy could not parse is the caller's mistake
    throw new MultipartRefused((err as { statusCode?: number }).statusCode === 413 ? 413 : 400);
  }
  return out;
}

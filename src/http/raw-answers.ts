import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import { HTTP_ANSWERS, type HttpAnswer, JSON_TYPE } from './answers.js';

const REASONS: Record<number, string> = { 400: 'Bad Request', 403: 'Forbidden', 405: 'Method Not Allowed', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

/** Writes a whole answer on a socket Node could not hand to Fastify, then closes it. */
function writeRaw(socket: Duplex, answer: HttpAnswer, extra = ''): void {
  const body = JSON.stringify(answer.body);
  socket.end(
    `HTTP/1.1 ${answer.status} ${REASONS[answer.status] ?? ''}\r\nContent-Type: ${JSON_TYPE}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${body}`,
  );
}

/** Whether a peer may see more than 403 when its credentials cannot be read (no request to read). */
export type Insider = (address: string | undefined) => boolean;

/**
 * Node's parser refused the request before Fastify saw it (not HTTP, a header too large, too slow):
 * the answer is still JSON of the contract's shape, never Fastify's default body. A peer outside
 * API_ALLOW gets 403: with no request there is no token to let it hear more.
 */
export function clientErrorHandler(log: FastifyBaseLogger, insider: Insider) {
  return (err: NodeJS.ErrnoException & { bytesParsed?: number }, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const answer = !insider(socket.remoteAddress)
      ? HTTP_ANSWERS.forbidden
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? HTTP_ANSWERS.requestTimeout
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? HTTP_ANSWERS.headersTooLarge
          : HTTP_ANSWERS.badRequest;
    log.debug({ code: err.code, address: socket.remoteAddress }, 'malformed HTTP request');
    // Node has already answered on this socket, or cannot write any more: nothing to add
    if (!socket.writable || (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent) {
      socket.destroy(err);
      return;
    }
    writeRaw(socket, answer);
  };
}

/**
 * `CONNECT` never reaches a route (Node hands the socket over): a wrong method like any other, and
 * 403 first for a peer outside API_ALLOW.
 */
export function refuseConnect(insider: Insider) {
  return (_req: unknown, socket: Duplex & { remoteAddress?: string }): void => {
    socket.on('error', () => {});
    writeRaw(socket, insider(socket.remoteAddress) ? HTTP_ANSWERS.methodNotAllowed : HTTP_ANSWERS.forbidden);
  };
}

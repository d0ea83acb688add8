import http from 'node:http';

export interface SseMessage {
  id: string | undefined;
  /** The `event:` type; undefined for the default `message`. */
  event?: string;
  data: Record<string, unknown>;
}

export interface SseClient {
  status: Promise<number>;
  headers: Promise<http.IncomingHttpHeaders>;
  messages: SseMessage[];
  /** The ids of the messages, as numbers (kept even when `idsOnly`). */
  ids: number[];
  /** Comment lines (heartbeats) received. */
  comments: number;
  /** The last `id:` received. */
  lastId(): string | undefined;
  /** Resolves once `check` holds (checked on every message), rejects after `ms`. */
  until(check: (c: SseClient) => boolean, ms: number, what?: string): Promise<void>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/** A Server-Sent Events client over a plain socket, parsing the stream as a browser would. */
export function openStream(
  port: number,
  opts: { path?: string; lastEventId?: string; headers?: Record<string, string>; localAddress?: string; idsOnly?: boolean } = {},
): SseClient {
  const headers: Record<string, string> = { accept: 'text/event-stream', ...opts.headers };
  if (opts.lastEventId !== undefined) headers['last-event-id'] = opts.lastEventId;
  const waiters = new Set<() => void>();
  let buffer = '';
  let resolveEnded!: () => void;
  const ended = new Promise<void>((r) => (resolveEnded = r));
  let resolveStatus!: (n: number) => void;
  let resolveHeaders!: (h: http.IncomingHttpHeaders) => void;
  const client: SseClient = {
    status: new Promise((r) => (resolveStatus = r)),
    headers: new Promise((r) => (resolveHeaders = r)),
    messages: [],
    ids: [],
    comments: 0,
    lastId: () => (client.ids.length ? String(client.ids.at(-1)) : undefined),
    until: (check, ms, what = 'condition') =>
      new Promise((resolve, reject) => {
        if (check(client)) return resolve();
        const timer = setTimeout(() => {
          waiters.delete(test);
          reject(new Error(`${what} not met within ${ms} ms (${client.messages.length} messages)`));
        }, ms);
        const test = () => {
          if (!check(client)) return;
          clearTimeout(timer);
          waiters.delete(test);
          resolve();
        };
        waiters.add(test);
      }),
    ended,
    close: () => req.destroy(),
  };
  const req = http.get({ host: '127.0.0.1', port, path: opts.path ?? '/api/events/stream', headers, localAddress: opts.localAddress, agent: false }, (res) => {
    resolveStatus(res.statusCode ?? 0);
    resolveHeaders(res.headers);
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let id: string | undefined;
        let event: string | undefined;
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) client.comments++;
          else if (line.startsWith('id: ')) id = line.slice(4);
          else if (line.startsWith('event: ')) event = line.slice(7);
          else if (line.startsWith('data: ')) data.push(line.slice(6));
        }
        if (!data.length) continue;
        if (id !== undefined) client.ids.push(Number(id));
        if (!opts.idsOnly) client.messages.push({ id, event, data: JSON.parse(data.join('\n')) as Record<string, unknown> });
      }
      for (const w of [...waiters]) w();
    });
    res.on('end', resolveEnded);
    res.on('close', resolveEnded);
  });
  req.on('error', () => {
    resolveStatus(0);
    resolveEnded();
  });
  return client;
}

import assert from 'node:assert/strict';
import net, { type AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { setImmediate as turn } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { parseAllowList } from '../../src/config.js';
import { accessCheck } from '../../src/access/credentials.js';
import { buildHttp } from '../../src/http/app.js';
import { EventFeed } from '../../src/live/feed.js';
import { type Harness, quietLog, startHarness } from '../support/harness.js';
import { openStream } from '../support/sse.js';

let h: Harness;
let app: FastifyInstance;
let feed: EventFeed;
let port: number;

before(async () => {
  h = await startHarness();
  feed = new EventFeed({ db: h.knex, log: quietLog }, { maxBufferedBytes: 64 * 1024 });
  app = buildHttp({ ...h.deps, feed, access: accessCheck(parseAllowList('127.0.0.1/32'), []), readiness: async () => ({ database: true, pbx: true }) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as AddressInfo).port;
});
after(async () => {
  await app.close();
  await h.close();
});

/** A stream client that reads until the stream is live, then reads nothing more. */
async function stalledClient(): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  let seen = '';
  await new Promise<void>((resolve) => {
    socket.on('data', (d: Buffer) => {
      seen += d.toString('latin1');
      if (seen.includes(': connected')) resolve();
    });
    socket.write('GET /api/events/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n');
  });
  socket.removeAllListeners('data');
  socket.pause();
  return socket;
}

test('a client that stops reading the live calls is dropped once it is too far behind, as for the events; the others go on', async () => {
  const stalled = await stalledClient();
  try {
    assert.equal(feed.clientCount(), 1);
    const call = { agent: '1001', interface: 'PJSIP/2001', call: { state: 'on_call', queue: 'support', caller: 'x'.repeat(16 * 1024), since: null } };
    // Kernel buffers take some megabytes first; 128 MB is far beyond them (and bounds the test if it is never dropped).
    for (let sent = 0; feed.clientCount() > 0 && sent < 128 * 1024 * 1024; sent += 64 * 16 * 1024) {
      for (let i = 0; i < 64; i++) feed.announce('call', call);
      await turn();
    }
    assert.equal(feed.clientCount(), 0, 'the stalled client was dropped');

    const reader = openStream(port);
    try {
      await reader.until((c) => c.comments >= 1, 10_000, 'connected');
      feed.announce('queue', { queue: 'support', waiting: 1, longest_wait_s: 0 });
      await reader.until((c) => c.messages.some((m) => m.event === 'queue'), 10_000, 'a reading client gets the next one');
    } finally {
      reader.close();
    }
  } finally {
    stalled.destroy();
  }
});

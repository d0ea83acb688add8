import type { ServerResponse } from 'node:http';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { isDatabaseDown } from '../commands/errors.js';
import { OUTCOMES } from '../commands/outcomes.js';
import { isoSql } from '../db/iso.js';
import { type Client, type ClientFilter, type Message, announcement, format, writeTo } from './feed-client.js';
import { Gaps } from './feed-gaps.js';

export interface FeedOptions {
  db: Knex;
  log: Logger;
  /** How often the events table is read while someone listens. */
  pollMs?: number;
  /**
   * While events keep coming, the clients are written to at most this often: one write per client
   * per interval, whatever the rate. Writes to sockets, not reading or formatting, are what the feed
   * costs: with 200 clients, a write to each at every poll was 1,000 writes a second. An event
   * after a quiet spell still goes out at the poll that reads it.
   */
  sendEveryMs?: number;
  /** A comment line this often keeps proxies from closing a quiet stream. */
  heartbeatMs?: number;
  /** A missing id is waited for at least this long before its transaction's fate is asked. */
  gapFenceMs?: number;
  /** A missing id is given up after this long whatever (a transaction kept open that long). */
  gapMaxMs?: number;
  /** Rows read per statement. */
  batch?: number;
  /** A client that has not read this much is dropped; it resumes from the table with Last-Event-ID. */
  maxBufferedBytes?: number;
  /** With no client for this long the polling stops. */
  idleStopMs?: number;
}

// The columns a client gets; `at` as JavaScript's toISOString() writes it.
const COLUMNS = `id, ${isoSql('at')} AS at, agent, exten, queue, pbx, kind, reason, source, actor, detail`;

/**
 * The live feed: one poller per process reads the events table by id and fans each row out to
 * every connected client, in id order, each once. Rows of every instance and source arrive the
 * same way, since they all land in the table. Delivery waits at a missing id (src/live/feed-gaps.ts).
 * Each client may take only part of it (src/live/feed-client.ts): one agent's rows, calls without
 * their callers.
 */
export class EventFeed {
  private readonly clients = new Set<Client>();
  private readonly o: Required<Omit<FeedOptions, 'db' | 'log'>>;
  /** Every id up to here has been sent to live clients or given up. */
  private cursor = 0;
  /** The highest id read so far. */
  private top = 0;
  private readonly waiting = new Map<number, Message>();
  private readonly gaps: Gaps;
  private started: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private idleSince = 0;
  private polling: Promise<void> | undefined;
  private closed = false;
  private lastError = '';
  /** When the clients were last written to (Date.now()), and what is ready for them since. */
  private sentAt = 0;
  private unsent: Message[] = [];

  constructor(private readonly deps: Pick<FeedOptions, 'db' | 'log'>, opts: Omit<FeedOptions, 'db' | 'log'> = {}) {
    this.o = {
      pollMs: 200,
      sendEveryMs: 400,
      heartbeatMs: 15_000,
      gapFenceMs: 100,
      gapMaxMs: 5_000,
      batch: 2_000,
      maxBufferedBytes: 4 * 1024 * 1024,
      idleStopMs: 10_000,
      ...opts,
    };
    this.gaps = new Gaps({ fenceMs: this.o.gapFenceMs, maxMs: this.o.gapMaxMs, log: deps.log });
  }

  /** Connected clients, for metrics. */
  clientCount(): number {
    return this.clients.size;
  }

  /**
   * Streams to `res` (headers already written) every event after `lastEventId`, from the table,
   * then live; without one, only what happens from now on. `filter` says what of it this client may see.
   */
  async subscribe(res: ServerResponse, lastEventId?: number, filter: ClientFilter = {}): Promise<void> {
    if (this.closed) {
      res.end();
      return;
    }
    const client: Client = { res, after: lastEventId ?? Number.MAX_SAFE_INTEGER, held: [], filter };
    this.clients.add(client);
    res.on('close', () => this.drop(client));
    this.wake();
    try {
      await this.start();
      if (lastEventId === undefined) client.after = this.cursor;
      else await this.catchUp(client);
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message }, 'feed: a client could not start');
      // The stream is already 200: say why it ends; the browser retries on its own after `retry:`.
      const error = isDatabaseDown(err) ? OUTCOMES.databaseUnavailable.message : OUTCOMES.internalError.message;
      res.end(`event: error\ndata: ${JSON.stringify({ error })}\n\n`);
      return;
    }
    const held = client.held ?? [];
    client.held = undefined;
    // says the stream is live: what happens from here on will come
    client.res.write(': connected\n\n');
    this.write(client, held);
  }

  /**
   * A message that is not a row of the events table (the live calls: `event: call`, `event: queue`)
   * to every client now. It has no `id:`, so it moves no client's Last-Event-ID and is not replayed on
   * resume: a client that reconnects reads the lists again.
   */
  announce(event: string, data: unknown): void {
    const textFor = announcement(event, data);
    for (const c of this.clients) {
      if (c.res.writableEnded) continue;
      const text = textFor(c);
      if (text === undefined) continue;
      c.res.write(text);
      this.dropIfBehind(c);
    }
  }

  /** Ends every stream (clients reconnect elsewhere with Last-Event-ID) and stops polling. */
  async close(): Promise<void> {
    this.closed = true;
    this.stopTimers();
    for (const c of this.clients) c.res.end();
    this.clients.clear();
    await this.polling;
  }

  private async catchUp(client: Client): Promise<void> {
    const upto = this.cursor;
    for (;;) {
      const agent = client.filter.agent ?? null;
      const rows: Array<{ id: number }> = await this.deps.db.raw(
        `SELECT ${COLUMNS} FROM events WHERE id > ? AND id <= ? AND (?::text IS NULL OR agent = ?::text) ORDER BY id LIMIT ?`,
        [client.after, upto, agent, agent, this.o.batch],
      ).then((r: { rows: Array<{ id: number }> }) => r.rows);
      if (!this.clients.has(client)) return;
      if (rows.length === 0) return;
      const chunk = rows.map((e) => format(e).text).join('');
      client.after = rows[rows.length - 1]!.id;
      if (!client.res.write(chunk)) await new Promise((r) => client.res.once('drain', r).once('close', r));
      if (rows.length < this.o.batch) return;
    }
  }

  private drop(client: Client): void {
    this.clients.delete(client);
    if (this.clients.size === 0) this.idleSince = Date.now();
  }

  private wake(): void {
    if (this.timer || this.closed) return;
    this.schedule(0);
    this.heartbeat ??= setInterval(() => {
      for (const c of this.clients) if (!c.held) c.res.write(': keep-alive\n\n');
    }, this.o.heartbeatMs);
    this.heartbeat.unref();
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      this.polling = this.tick().finally(() => (this.polling = undefined));
    }, ms);
  }

  private stopTimers(): void {
    clearTimeout(this.timer);
    clearInterval(this.heartbeat);
    this.timer = undefined;
    this.heartbeat = undefined;
  }

  private async tick(): Promise<void> {
    let full = false;
    try {
      await this.start();
      full = await this.poll();
      this.lastError = '';
    } catch (err) {
      const message = (err as Error).message;
      if (message !== this.lastError) this.deps.log.warn({ err: message }, 'feed: reading events failed');
      this.lastError = message;
    }
    if (this.closed) return;
    if (this.clients.size === 0 && Date.now() - this.idleSince >= this.o.idleStopMs) {
      // Nobody listens: stop, and start afresh (from the table's end) with the next client.
      this.stopTimers();
      this.started = undefined;
      return;
    }
    // a missing id is looked at again sooner: it holds up everything after it
    this.schedule(full ? 0 : this.gaps.size ? Math.min(this.o.pollMs, this.o.gapFenceMs) : this.o.pollMs);
  }

  /** Where the feed begins: the table's end, short of any recent id that may still commit. */
  private start(): Promise<void> {
    this.started ??= (async () => {
      this.waiting.clear();
      this.unsent = [];
      this.gaps.clear();
      const { rows } = await this.deps.db.raw<{ rows: Array<{ top: number | null }> }>('SELECT max(id) AS top FROM events');
      const top = rows[0]?.top ?? 0;
      // The last few hundred ids are read again as if new: any of them still uncommitted is a gap.
      this.cursor = Math.max(0, top - 500);
      this.top = this.cursor;
      await this.poll();
    })().catch((err) => {
      this.started = undefined;
      throw err;
    });
    return this.started;
  }

  /** Reads what is new (and what was missing); returns true when it read a full batch. */
  private async poll(): Promise<boolean> {
    const gapIds = this.gaps.asArray();
    const { rows } = await this.deps.db.raw<{ rows: Array<{ xmin: string; xmax: string; events: Array<Record<string, unknown> & { id: number }> }> }>(
      `SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin, pg_snapshot_xmax(pg_current_snapshot())::text AS xmax,
              (SELECT coalesce(json_agg(e ORDER BY e.id), '[]') FROM (
                 (SELECT ${COLUMNS} FROM events WHERE id > ? ORDER BY id LIMIT ?)
                 UNION ALL
                 (SELECT ${COLUMNS} FROM events WHERE id = ANY (?::bigint[]))
              ) e) AS events`,
      [this.top, this.o.batch, gapIds],
    );
    const snap = rows[0]!;
    const xmin = BigInt(snap.xmin);
    const xmax = BigInt(snap.xmax);
    const now = Date.now();
    let fresh = 0;
    for (const e of snap.events) {
      if (e.id <= this.cursor) continue; // given up on, then committed: too late for live clients
      this.gaps.found(e.id);
      if (e.id > this.top) {
        fresh++;
        this.gaps.between(this.top, e.id, now);
        this.top = e.id;
      }
      this.waiting.set(e.id, format(e));
    }
    this.gaps.settle(xmin, xmax, now);
    const out = this.unsent;
    while (this.cursor < this.top && !this.gaps.has(this.cursor + 1)) {
      const m = this.waiting.get(++this.cursor);
      if (m) {
        this.waiting.delete(m.id);
        out.push(m);
      }
    }
    if (out.length && now - this.sentAt >= this.o.sendEveryMs) {
      // the same bytes for every client that is up to date: encoded once, not once per client
      const all = Buffer.from(out.map((m) => m.text).join(''));
      for (const c of this.clients) this.write(c, out, all);
      this.sentAt = now;
      this.unsent = [];
    }
    return fresh >= this.o.batch;
  }

  private write(client: Client, messages: Message[], all?: Buffer): void {
    if (writeTo(client, messages, all)) this.dropIfBehind(client);
  }

  /** Whatever was written to it, a client that does not read is not kept in this process's memory. */
  private dropIfBehind(client: Client): void {
    if (client.res.writableLength <= this.o.maxBufferedBytes) return;
    this.deps.log.info('feed: a client fell behind and was dropped (it resumes with Last-Event-ID)');
    client.res.end();
    this.drop(client);
  }
}


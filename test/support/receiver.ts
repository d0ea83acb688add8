import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Knex } from 'knex';

export interface Received {
  /** The parsed body. */
  body: Record<string, unknown> & { idempotency_key: string; event_id: number; agent: string; kind: string };
  raw: string;
  headers: IncomingMessage['headers'];
  /** Whether the signature checked out as a receiver checks it (docs/http-api.md, "Webhooks"). */
  signed: boolean;
  /** What it was answered: a status, or `held` / `dropped`. */
  answer: number | 'held' | 'dropped';
}

/**
 * A webhook receiver on 127.0.0.1, as an integration would run one: it checks each request's
 * signature with the shared secret and records what it got and answered. `behave` decides each answer.
 */
export class Receiver {
  readonly got: Received[] = [];
  /** Answer to the next request; default 200. `hold` keeps it open until `release`. */
  behave: (r: Received, n: number) => number | 'hold' | { delayMs: number; status: number } = () => 200;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private held: Array<{ res: ServerResponse; r: Received }> = [];
  port = 0;

  constructor(private readonly secret: string) {}

  static async start(secret: string, port = 0): Promise<Receiver> {
    const r = new Receiver(secret);
    await r.listen(port);
    return r;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  /** Listens (again, on the same port after `goAway`). */
  async listen(port = this.port): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  /** Stops listening and cuts every connection, held requests included: the receiver is down. */
  async goAway(): Promise<void> {
    for (const h of this.held) h.r.answer = 'dropped';
    this.held = [];
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Answers every held request with `status`. */
  release(status = 200): void {
    for (const h of this.held) {
      h.r.answer = status;
      h.res.writeHead(status).end();
    }
    this.held = [];
  }

  heldCount(): number {
    return this.held.length;
  }

  /** The requests answered 2xx, in arrival order. */
  accepted(): Received[] {
    return this.got.filter((g) => typeof g.answer === 'number' && g.answer >= 200 && g.answer < 300);
  }

  close(): Promise<void> {
    return this.goAway();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const r: Received = { body: JSON.parse(raw), raw, headers: req.headers, signed: verify(this.secret, req.headers, raw), answer: 'held' };
    this.got.push(r);
    const b = this.behave(r, this.got.length);
    if (b === 'hold') {
      this.held.push({ res, r });
      // the sender went away (timed out, stopped, killed)
      res.on('close', () => {
        if (r.answer !== 'held') return;
        r.answer = 'dropped';
        this.held = this.held.filter((x) => x.r !== r);
      });
      return;
    }
    const { delayMs, status } = typeof b === 'number' ? { delayMs: 0, status: b } : b;
    if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
    r.answer = status;
    res.writeHead(status).end();
  }
}

/** The check of docs/http-api.md ("Webhooks"), written out as a receiver would: HMAC of `timestamp.body`, and a recent timestamp. */
function verify(secret: string, headers: IncomingMessage['headers'], body: string): boolean {
  const timestamp = String(headers['x-agentgate-timestamp'] ?? '');
  const given = String(headers['x-agentgate-signature'] ?? '');
  const expected = 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
  return fresh && given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

/** The outbox rows of one webhook, in event order. */
export function deliveryRows(knex: Knex, webhook: number) {
  return knex('webhook_deliveries').where({ webhook }).orderBy('event').select('id', 'event', 'agent', 'idempotency_key', 'status', 'attempts', 'last_error');
}

/**
 * What the receiver must have seen: every delivery, signed; per agent, never a later event before
 * an earlier one was taken (over every request, retries included); a repeat only ever with the same
 * key and the same bytes.
 */
export async function deliveredInOrder(knex: Knex, r: Receiver, webhook: number): Promise<void> {
  const rows = await deliveryRows(knex, webhook);
  assert.ok(rows.length > 0);
  assert.deepEqual(rows.filter((x) => x.status !== 'delivered'), [], 'every delivery delivered');
  assert.ok(r.got.every((g) => g.signed), 'every request carries a valid signature');
  const byKey = new Map<string, string>();
  for (const g of r.got) {
    const seen = byKey.get(g.body.idempotency_key);
    if (seen !== undefined) assert.equal(g.raw, seen, 'a repeat has the same key and the same bytes');
    byKey.set(g.body.idempotency_key, g.raw);
    assert.equal(g.headers['idempotency-key'], g.body.idempotency_key);
    assert.equal(g.headers['x-agentgate-event'], g.body.kind);
  }
  for (const agent of new Set(rows.map((x) => x.agent))) {
    const tried = r.got.filter((g) => g.body.agent === agent).map((g) => g.body.event_id);
    assert.deepEqual(tried, [...tried].sort((a, b) => a - b), `agent ${agent}: requests in event order, retries included`);
    const firstAccepted = [...new Map(r.accepted().filter((g) => g.body.agent === agent).map((g) => [g.body.idempotency_key, g.body])).values()];
    const expected = rows.filter((x) => x.agent === agent);
    assert.deepEqual(firstAccepted.map((b) => [b.event_id, b.idempotency_key]), expected.map((x) => [x.event, x.idempotency_key]), `agent ${agent}: every event, in order`);
  }
}

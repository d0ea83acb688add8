import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Database } from '../db/connect.js';
import { type Run, type Takeover, beat, leave, lockPresence, reapGone } from './holders.js';

/** Often enough that a dead holder is noticed well within a second of its grace running out. */
const BEAT_MS = 250;
/** Longer than a cut presence connection takes to come back; short enough for a restart to settle within 2 s. */
const GRACE_S = 1;

interface RawConnection {
  __knex__disposed?: unknown;
}

/**
 * This process's row in `holders` and its presence lock, and the look at the other holders: one
 * that is gone (killed, out of memory) has its intents made due and its resync lease freed at once,
 * so the next process — or another instance — settles them instead of waiting out deadlines made
 * for a live holder (AMI_TIMEOUT_MS per action + 1 s) and the lease (10 s).
 *
 * On a server the lock lives on a connection of its own, outside the pool, and no statement on it
 * waits for Asterisk; on PGlite the one connection is the process's for its whole life.
 */
export class Presence {
  private conn: RawConnection | undefined;
  private locked = false;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private failing = false;
  private stopped = false;

  constructor(
    private readonly db: Database,
    readonly holder: string,
    private readonly log: Logger,
    /** Told what was freed, to settle it now. */
    private readonly onTakeover: (t: Takeover) => void,
  ) {}

  /** Registers, locks and looks once; failures here stop the start like any other database failure. */
  async start(): Promise<void> {
    await this.look();
    this.next();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    try {
      await leave(await this.run(), this.holder);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not leave the holders; what this process held waits for its deadlines');
    } finally {
      await this.drop();
    }
  }

  private next(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.look().then(
        () => this.recovered(),
        (err: Error) => this.failed(err),
      );
      void this.running.finally(() => this.next());
    }, BEAT_MS);
    this.timer.unref();
  }

  private async look(): Promise<void> {
    const run = await this.run();
    if (!this.locked) {
      this.locked = await lockPresence(run, this.holder);
      if (!this.locked) this.log.warn({ holder: this.holder }, 'presence lock taken by another session; a crash of this process is settled at its deadlines');
    }
    await beat(run, this.holder);
    const freed = await reapGone(run, this.holder, GRACE_S);
    if (!freed.holders.length) return;
    this.log.info(freed, 'took over what processes that are gone held');
    this.onTakeover(freed);
  }

  /** Where the presence statements run: the pool's one connection on PGlite, else a connection of our own. */
  private async run(): Promise<Run> {
    const { knex } = this.db;
    if (this.db.kind === 'pglite') return async (sql, b) => (await knex.raw(sql, b)).rows;
    if (this.conn?.__knex__disposed) await this.drop();
    if (!this.conn) {
      this.conn = (await knex.client.acquireRawConnection()) as RawConnection;
      this.locked = false;
    }
    const conn = this.conn;
    return async (sql, b) => (await knex.raw(sql, b).connection(conn as Knex.Client)).rows;
  }

  /** The lock goes with the connection it was taken on. */
  private async drop(): Promise<void> {
    const conn = this.conn;
    if (!conn) return;
    this.conn = undefined;
    this.locked = false;
    await this.db.knex.client.destroyRawConnection(conn).catch(() => undefined);
  }

  private failed(err: Error): void {
    // A broken connection is replaced on the next beat; a query error may have left it unusable too.
    void this.drop();
    if (this.failing) return;
    this.failing = true;
    this.log.warn({ err: err.message }, 'presence beat failed; will retry');
  }

  private recovered(): void {
    if (!this.failing) return;
    this.failing = false;
    this.log.info('presence beat works again');
  }
}

import type { Knex } from 'knex';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { PbxRefused, PbxUnavailable, type Pbx } from './ami/pbx.js';
import type { CallBoards } from './calls/boards.js';
import type { CommandObserver } from './commands/run.js';
import { BreakMetrics } from './breaks/metrics.js';
import { DEFAULT_PBX } from './provision/pbxes.js';
import { defaultZone } from './reports/params.js';
import { WebhookMetrics } from './webhooks/metrics.js';
import type { ResyncReport, SyncSource } from './sync/resync.js';

export interface MetricsDeps {
  db: Knex;
  /** Only `isConnected` is read: the AMI connection as it is at the scrape. */
  pbx: Pick<Pbx, 'isConnected'>;
  /** Each PBX's connection, up or down (CONTRACT §9): the `pbx` label of agentgate_pbx_up. */
  pbxes?: () => Record<string, 'up' | 'down'>;
  agiSessions: () => number;
  liveFeedClients: () => number;
  /** The queue calls this process sees (src/calls/board.ts), once built. */
  calls?: () => Pick<CallBoards, 'waiting' | 'onCall'> | undefined;
  /** The local day of the breaks' metrics (default: the process's zone, from TZ). */
  zone?: string;
}

/** The methods of `Pbx` that are not AMI actions. */
const NOT_ACTIONS = new Set<PropertyKey>(['on', 'off', 'once', 'emit', 'isConnected', 'close', 'start']);

/** What a resync or reconcile corrected, as the `kind` label of agentgate_sync_corrections_total. */
const CORRECTIONS = { readded: 'readded', pauseTaken: 'pause_taken', dropped: 'dropped', reverted: 'reverted' } as const;

/**
 * Prometheus metrics (prom-client), one registry per service. Counters and histograms count what
 * this process did (commands, AMI actions, its resync and reconcile runs' corrections); the gauges
 * read the database (and the AMI and FastAGI servers) at each scrape.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly commands: Counter<'command' | 'outcome' | 'source'>;
  private readonly commandSeconds: Histogram<'command' | 'source'>;
  private readonly amiSeconds: Histogram<'action' | 'outcome' | 'pbx'>;
  private readonly agents: Gauge<'state'>;
  private readonly queueAgents: Gauge<'queue' | 'state'>;
  private readonly corrections: Counter<'source' | 'kind' | 'pbx'>;
  private readonly intents: Gauge<'state'>;
  private readonly databaseUp: Gauge;
  private readonly pendingPauses: Gauge<'kind'>;
  private readonly pendingOldest: Gauge<'kind'>;
  /** Webhook deliveries (the outbox, read at scrape; attempts and latency, told by the worker). */
  readonly webhooks: WebhookMetrics;

  constructor(private readonly deps: MetricsDeps) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'agentgate_' });
    this.commands = new Counter({ name: 'agentgate_commands_total', help: 'Commands answered, by command, outcome (the answer, as in src/commands/outcomes.ts) and source', labelNames: ['command', 'outcome', 'source'], registers });
    this.commandSeconds = new Histogram({
      name: 'agentgate_command_duration_seconds',
      help: 'Time from a command reaching runCommand to its answer',
      labelNames: ['command', 'source'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.amiSeconds = new Histogram({
      name: 'agentgate_ami_action_duration_seconds',
      help: 'AMI actions: time to the answer, by action and outcome (ok, refused, unavailable, error)',
      labelNames: ['action', 'outcome', 'pbx'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    new Gauge({ name: 'agentgate_ami_connected', help: '1 while the AMI connection is logged in', registers, collect() {
      this.set(deps.pbx.isConnected() ? 1 : 0);
    } });
    new Gauge({ name: 'agentgate_pbx_up', help: "1 while that PBX's AMI connection is logged in", labelNames: ['pbx'], registers, collect() {
      this.reset();
      for (const [pbx, state] of Object.entries(deps.pbxes?.() ?? { default: deps.pbx.isConnected() ? 'up' : 'down' })) this.set({ pbx }, state === 'up' ? 1 : 0);
    } });
    new Gauge({ name: 'agentgate_agi_sessions', help: 'FastAGI sessions open now', registers, collect() {
      this.set(deps.agiSessions());
    } });
    new Gauge({ name: 'agentgate_live_feed_clients', help: 'Clients connected to /api/events/stream', registers, collect() {
      this.set(deps.liveFeedClients());
    } });
    // queue calls: live state of this process (each PBX's AMI connection's events), not the database
    new Gauge({ name: 'agentgate_queue_callers_waiting', help: 'Callers waiting in each queue now', labelNames: ['queue', 'pbx'], registers, collect() {
      this.reset();
      for (const { pbx, queue, n } of deps.calls?.()?.waiting() ?? []) this.set({ queue, pbx }, n);
    } });
    new Gauge({ name: 'agentgate_agents_on_call', help: 'Queue members (agents) talking on a queue call of that PBX now', labelNames: ['pbx'], registers, collect() {
      this.reset();
      for (const { pbx, n } of deps.calls?.()?.onCall() ?? []) this.set({ pbx }, n);
    } });
    this.agents = new Gauge({ name: 'agentgate_agents', help: 'Agents by state (paused: paused in every queue of the session)', labelNames: ['state'], registers });
    this.queueAgents = new Gauge({ name: 'agentgate_queue_agents', help: 'Agents logged in to each queue, by their state in that queue', labelNames: ['queue', 'state'], registers });
    this.corrections = new Counter({
      name: 'agentgate_sync_corrections_total',
      help: "Corrections made by this instance's resync and reconcile runs since it started, by source, kind (readded, pause_taken, dropped, reverted) and PBX",
      labelNames: ['source', 'kind', 'pbx'],
      registers,
    });
    // every series at 0 from the start (or, for a PBX provisioned later, its first run), so that rate() and alerts see the first correction
    for (const pbx of deps.pbxes ? Object.keys(deps.pbxes()) : [DEFAULT_PBX]) this.countFrom(pbx);
    this.intents = new Gauge({ name: 'agentgate_intents', help: 'Actions asked of Asterisk whose outcome is not recorded yet: pending, or in doubt once past their deadline', labelNames: ['state'], registers });
    this.pendingPauses = new Gauge({ name: 'agentgate_pending_pauses', help: 'Pauses waiting: queued under a floor (floor) or asking a supervisor (approval)', labelNames: ['kind'], registers });
    this.pendingOldest = new Gauge({ name: 'agentgate_pending_pause_oldest_seconds', help: 'How long the oldest waiting pause of each kind has waited (0 when none)', labelNames: ['kind'], registers });
    this.databaseUp = new Gauge({ name: 'agentgate_database_up', help: '1 when the last scrape could read the database', registers });
    this.webhooks = new WebhookMetrics(registers, deps.db);
    new BreakMetrics(registers, deps.db, deps.zone ?? defaultZone());
  }

  /** Hand to runCommand (as `deps.onCommand`): one count and one latency per answered command. */
  readonly onCommand: CommandObserver = ({ command, outcome, source, seconds }) => {
    this.commands.inc({ command, outcome, source });
    this.commandSeconds.observe({ command, source }, seconds);
  };

  /** Hand to the Keeper (as `onResync`): what one resync or reconcile run of this instance corrected. */
  readonly onResync = (source: SyncSource, report: ResyncReport, pbx: string = DEFAULT_PBX): void => {
    this.countFrom(pbx);
    for (const [field, kind] of Object.entries(CORRECTIONS) as Array<[keyof typeof CORRECTIONS, string]>) {
      if (report[field] > 0) this.corrections.inc({ source, kind, pbx }, report[field]);
    }
  };

  private readonly counted = new Set<string>();

  /** A PBX's correction series, each at 0, once. */
  private countFrom(pbx: string): void {
    if (this.counted.has(pbx)) return;
    this.counted.add(pbx);
    for (const source of ['resync', 'reconcile'] satisfies SyncSource[]) for (const kind of Object.values(CORRECTIONS)) this.corrections.inc({ source, kind, pbx }, 0);
  }

  /** `pbx` with every AMI action timed; events, connection state and close pass through untouched. */
  instrumentPbx<T extends Pbx>(pbx: T, name = 'default'): T {
    const seconds = this.amiSeconds;
    return new Proxy(pbx, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        const fn = value as (...args: unknown[]) => unknown;
        if (NOT_ACTIONS.has(prop) || typeof prop !== 'string') return fn.bind(target);
        // an action is a method that answers with a promise; anything synchronous passes through untimed
        return (...args: unknown[]) => {
          const started = performance.now();
          const result = fn.apply(target, args);
          if (!(result instanceof Promise)) return result;
          const end = (outcome: string) => seconds.observe({ action: prop, outcome, pbx: name }, (performance.now() - started) / 1000);
          return result.then(
            (value) => {
              end('ok');
              return value;
            },
            (err: unknown) => {
              end(err instanceof PbxRefused ? 'refused' : err instanceof PbxUnavailable ? 'unavailable' : 'error');
              throw err;
            },
          );
        };
      },
    });
  }

  /** The exposition text, with the database-backed gauges read now. */
  async scrape(): Promise<string> {
    await this.readDatabase();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private async readDatabase(): Promise<void> {
    const db = this.deps.db;
    try {
      const [agents, queues, intents, pending] = await Promise.all([
        db.raw(`select (select count(*)::int from agents) as agents, count(*)::int as logged_in, count(*) filter (where paused)::int as paused
                  from (select all_paused as paused from agent_pause) x`),
        db.raw(`select queue, paused, count(*)::int as n from session_queues group by queue, paused`),
        db.raw(`select count(*) filter (where deadline > clock_timestamp())::int as pending, count(*) filter (where deadline <= clock_timestamp())::int as in_doubt from intents`),
        db.raw(`select kind, count(*)::int as n, coalesce(extract(epoch from clock_timestamp() - min(since)), 0)::float8 as oldest from pending_pauses group by kind`),
      ]);
      const a = agents.rows[0] as { agents: number; logged_in: number; paused: number };
      this.agents.reset();
      this.agents.set({ state: 'available' }, a.logged_in - a.paused);
      this.agents.set({ state: 'paused' }, a.paused);
      this.agents.set({ state: 'logged_off' }, Math.max(0, a.agents - a.logged_in));
      this.queueAgents.reset();
      for (const r of queues.rows as Array<{ queue: string; paused: boolean; n: number }>) this.queueAgents.set({ queue: r.queue, state: r.paused ? 'paused' : 'available' }, r.n);
      const i = intents.rows[0] as { pending: number; in_doubt: number };
      this.intents.set({ state: 'pending' }, i.pending);
      this.intents.set({ state: 'in_doubt' }, i.in_doubt);
      const waiting = new Map((pending.rows as Array<{ kind: string; n: number; oldest: number }>).map((r) => [r.kind, r]));
      for (const kind of ['floor', 'approval']) {
        this.pendingPauses.set({ kind }, waiting.get(kind)?.n ?? 0);
        this.pendingOldest.set({ kind }, Math.round(waiting.get(kind)?.oldest ?? 0));
      }
      this.databaseUp.set(1);
    } catch {
      // what the database holds is unknown: say so, and leave those gauges out rather than stale
      this.databaseUp.set(0);
      this.agents.reset();
      this.queueAgents.reset();
      this.intents.reset();
      this.pendingPauses.reset();
      this.pendingOldest.reset();
    }
  }
}

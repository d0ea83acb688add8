import { EventEmitter } from 'node:events';
import { type AmiSettings, pbxSettings } from './advice.js';
import { RemoteInterfaces } from './remote.js';
import { type BlockList, isIPv4 } from 'node:net';
import { parseAllowList } from '../config.js';
import { fromJson } from '../db/json.js';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { DEFAULT_PBX } from '../provision/pbxes.js';
import { type MemberEvent, type Pbx, PbxUnavailable } from './pbx.js';

/** How to reach one PBX: a `pbxes` row with the secret its `secret_env` names, or the AMI_* variables for `default`. */
export interface PbxAddress {
  name: string;
  host: string;
  port: number;
  username: string;
  secret: string;
  /** The settings a failed login names: its `pbxes` entry's, or (for `default`) the AMI_* variables. */
  settings?: AmiSettings;
}

/** A connection the set starts itself, once it listens to it. */
export type StartablePbx = Pbx & { start(): void };

export interface PbxSetEvents {
  /** A PBX's AMI (re)connection is logged in: its resync hooks here. */
  connected: [pbx: string];
  disconnected: [pbx: string, reason: string];
  member: [pbx: string, event: MemberEvent];
  /** A connection made (at start, or for a PBX added or changed by a refresh), before it starts. */
  added: [pbx: string, connection: Pbx];
  /** A connection closed for good by a refresh (its PBX removed or changed), after it closed. */
  removed: [pbx: string, connection: Pbx];
}

export interface PbxSetOptions {
  /** Builds (and does not start) the connection of one PBX. */
  make: (address: PbxAddress) => StartablePbx;
  /** The PBX a database without any `pbxes` row has: the AMI_* variables. */
  fallback: Omit<PbxAddress, 'name'>;
  /** The value of the environment variable a `pbxes` row names (`secret_env`); read at start by the config. */
  secretOf: (envName: string) => string | undefined;
  log: Logger;
}

interface Entry {
  pbx: Pbx;
  /** What it was built from (no secret): a row that changes rebuilds it. */
  key: string;
  detach: () => void;
}

/** A `pbxes` row: where the PBX's AMI is, the variable holding its secret, where its FastAGI comes from. */
export interface PbxRow {
  name: string;
  host: string;
  port: number;
  username: string;
  secret_env: string;
  agi_from: string[];
  remote_interface: string | null;
}

/** The provisioned PBXs, by name; none when the AMI_* variables describe the one PBX. */
export async function readPbxRows(db: Knex): Promise<PbxRow[]> {
  const rows = await db('pbxes').select('name', 'host', 'port', 'username', 'secret_env', db.raw('to_json(agi_from) as agi_from'), 'remote_interface').orderBy('name');
  return rows.map((r: PbxRow) => ({ ...r, port: Number(r.port), agi_from: fromJson<string[]>(r.agi_from) }));
}

/**
 * The one owner of every PBX's AMI connection (CONTRACT §9): one per `pbxes` row, or one named
 * `default` from AMI_* when there is none. It answers which PBX holds a queue or an extension (the
 * `queues.pbx` / `extensions.pbx` rows, read at start and at each `refresh`), gives each PBX's
 * health, and forwards each connection's events with the PBX's name. Nothing else holds an AMI
 * connection.
 */
export class PbxSet extends EventEmitter<PbxSetEvents> {
  private readonly entries = new Map<string, Entry>();
  private queues = new Map<string, string>();
  private extens = new Map<string, string>();
  private agiFrom: Array<{ name: string; from: BlockList }> = [];
  private remote = new RemoteInterfaces();
  private closed = false;
  private started = false;
  /** One refresh at a time: two at once would each connect to a new PBX. */
  private refreshing: Promise<void> = Promise.resolve();

  private constructor(private readonly options: PbxSetOptions | undefined) {
    super();
  }

  /** The PBXs of provisioning, connecting; `refresh` reads the rows. */
  static async open(db: Knex, options: PbxSetOptions): Promise<PbxSet> {
    const set = new PbxSet(options);
    await set.refresh(db);
    return set;
  }

  /** Connections made elsewhere (tests, tools), by name; `refresh` reads only which queue and extension is where. */
  static of(pbxes: Record<string, Pbx>): PbxSet {
    const set = new PbxSet(undefined);
    for (const [name, pbx] of Object.entries(pbxes)) set.attach(name, pbx, '');
    return set;
  }

  /**
   * Reads provisioning again: which queue and extension is on which PBX, and (for a set that
   * connects itself) the PBXs, connecting to new or changed ones and closing those gone.
   */
  refresh(db: Knex): Promise<void> {
    const run = this.refreshing.then(() => this.load(db));
    this.refreshing = run.catch(() => undefined);
    return run;
  }

  /** The read of the places under way: the PBXs' resyncs starting together share it. */
  private placing: Promise<void> | undefined;

  /** Reads again only which queue and extension is on which PBX (a resync starts with it); a read under way is joined. */
  readPlaces(db: Knex): Promise<void> {
    this.placing ??= this.readPlacesNow(db).finally(() => {
      this.placing = undefined;
    });
    return this.placing;
  }

  private async readPlacesNow(db: Knex): Promise<void> {
    const [queues, extens, rows] = await Promise.all([db('queues').select('name', 'pbx'), db('extensions').select('exten', 'pbx'), readPbxRows(db)]);
    this.queues = new Map(queues.map((r: { name: string; pbx: string }) => [r.name, r.pbx]));
    this.extens = new Map(extens.map((r: { exten: string; pbx: string }) => [r.exten, r.pbx]));
    this.agiFrom = rows.map((r) => ({ name: r.name, from: parseAllowList(r.agi_from.join(',')) }));
    this.remote = new RemoteInterfaces(rows);
  }

  /**
   * The interface an extension's member has in a queue on `queuePbx` (CONTRACT §9): `home` (its own
   * interface) on its own PBX; on another, its PBX's `remote_interface` with `{exten}` filled in;
   * null when its PBX has none (such a login is refused: `Exten not reachable from queue`).
   */
  memberOn(queuePbx: string, exten: string, home: string): string | null {
    const own = this.extens.get(exten);
    if (own === undefined || own === queuePbx) return home;
    return this.remote.of(own, exten) ?? null;
  }

  /** The interface the extension's members have on the other PBXs' queues, if its PBX has a `remote_interface`. */
  remoteOf(exten: string): string | undefined {
    const own = this.extens.get(exten);
    return own === undefined ? undefined : this.remote.of(own, exten);
  }

  /**
   * The extension whose member across PBXs `iface` is, as PBX `pbx` reports it: another PBX's
   * `remote_interface` with one of that PBX's extensions in it; undefined for any other interface.
   */
  extenOfRemote(pbx: string, iface: string): string | undefined {
    return this.remote.extenIn(iface, pbx, (name, exten) => this.extens.get(exten) === name);
  }

  /**
   * Which PBX a FastAGI session is from, by the address it came from (CONTRACT §9): undefined with
   * one PBX or none provisioned (every extension is its); the PBX whose `agi_from` holds the
   * address; null when there are several and none does (the session acts for no extension).
   */
  pbxOfPeer(peer: string | undefined): string | null | undefined {
    if (this.agiFrom.length <= 1) return undefined;
    if (peer === undefined) return null;
    return this.agiFrom.find((p) => p.from.check(peer, isIPv4(peer) ? 'ipv4' : 'ipv6'))?.name ?? null;
  }

  private async load(db: Knex): Promise<void> {
    await this.readPlaces(db);
    const options = this.options;
    if (!options || this.closed) return;
    const rows = await readPbxRows(db);
    const wanted = new Map<string, { address: PbxAddress; key: string }>();
    if (rows.length === 0) {
      const f = options.fallback;
      wanted.set(DEFAULT_PBX, { address: { name: DEFAULT_PBX, ...f }, key: `${f.host}:${f.port}:${f.username}:AMI_SECRET` });
    }
    for (const r of rows) {
      const secret = options.secretOf(r.secret_env);
      if (secret === undefined) options.log.warn({ pbx: r.name, secret_env: r.secret_env }, `PBX ${r.name}: the environment variable ${r.secret_env} that holds its AMI secret is not set`);
      wanted.set(r.name, {
        address: { name: r.name, host: r.host, port: Number(r.port), username: r.username, secret: secret ?? '', settings: pbxSettings(r.name, r.secret_env) },
        key: `${r.host}:${r.port}:${r.username}:${r.secret_env}`,
      });
    }
    for (const [name, entry] of [...this.entries]) {
      if (wanted.get(name)?.key === entry.key) continue;
      this.entries.delete(name);
      entry.detach();
      await entry.pbx.close();
      this.emit('removed', name, entry.pbx);
      options.log.info({ pbx: name }, wanted.has(name) ? 'PBX changed in provisioning: reconnecting' : 'PBX no longer provisioned: disconnected');
    }
    for (const [name, { address, key }] of wanted) {
      // closed while the rows were read: nothing new is opened
      if (this.closed) return;
      if (this.entries.has(name)) continue;
      const pbx = options.make(address);
      this.attach(name, pbx, key);
      if (this.started) pbx.start();
    }
  }

  /** Connects (a set that connects itself): what listens to its events is wired by now. */
  start(): void {
    if (this.started || this.closed || !this.options) return;
    this.started = true;
    for (const e of this.entries.values()) (e.pbx as StartablePbx).start();
  }

  private attach(name: string, pbx: Pbx, key: string): void {
    const connected = () => this.emit('connected', name);
    const disconnected = (reason: string) => this.emit('disconnected', name, reason);
    const member = (ev: MemberEvent) => this.emit('member', name, ev);
    pbx.on('connected', connected).on('disconnected', disconnected).on('member', member);
    const detach = () => pbx.off('connected', connected).off('disconnected', disconnected).off('member', member);
    this.entries.set(name, { pbx, key, detach });
    this.emit('added', name, pbx);
  }

  /**
   * Follows every PBX's connection: `added` for each one now and for each one a refresh makes
   * later, `removed` for each one a refresh closes. Returns what stops following.
   */
  follow(added: (name: string, pbx: Pbx) => void, removed: (name: string, pbx: Pbx) => void): () => void {
    for (const [name, e] of this.entries) added(name, e.pbx);
    this.on('added', added).on('removed', removed);
    return () => void this.off('added', added).off('removed', removed);
  }

  /** Every PBX's name, sorted. */
  names(): string[] {
    return [...this.entries.keys()].sort();
  }

  get(name: string): Pbx | undefined {
    return this.entries.get(name)?.pbx;
  }

  /** The PBX a caller that names none means: `default` if there is one, else the first by name. */
  primary(): string {
    return this.entries.has(DEFAULT_PBX) ? DEFAULT_PBX : (this.names()[0] ?? DEFAULT_PBX);
  }

  /** Which PBX holds the queue (by its name), as provisioning says. */
  queuePbx(queue: string): string | undefined {
    return this.queues.get(queue);
  }

  /** Which PBX holds the extension, as provisioning says. */
  extenPbx(exten: string): string | undefined {
    return this.extens.get(exten);
  }

  /** The queues provisioning puts on `pbx`. */
  queuesOf(pbx: string): Set<string> {
    return new Set([...this.queues].filter(([, p]) => p === pbx).map(([q]) => q));
  }

  /**
   * The connection to act on, checked before anything is sent: a PBX that is down (or not
   * provisioned) throws `PbxUnavailable`, not in doubt, so the command changes nothing anywhere.
   */
  ready(name: string): Pbx {
    const pbx = this.entries.get(name)?.pbx;
    if (!pbx || !pbx.isConnected()) throw new PbxUnavailable(`PBX ${name} unavailable`, false);
    return pbx;
  }

  isUp(name: string): boolean {
    return this.entries.get(name)?.pbx.isConnected() ?? false;
  }

  /** Each PBX, up or down. */
  health(): Record<string, 'up' | 'down'> {
    return Object.fromEntries(this.names().map((name) => [name, this.isUp(name) ? 'up' : 'down']));
  }

  anyUp(): boolean {
    return this.names().some((name) => this.isUp(name));
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.entries.values()];
    this.entries.clear();
    for (const e of all) e.detach();
    await Promise.all(all.map((e) => e.pbx.close()));
  }
}

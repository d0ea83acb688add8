import { createHash, timingSafeEqual } from 'node:crypto';
import { type BlockList, isIP } from 'node:net';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { isAllowed } from '../config.js';
import { digestHex, findKey, touchKeys } from './keys.js';
import { type PanelLimits, findPanelSession, touchPanelSession } from './panel-sessions.js';
import { type KeyRow, type Principal, addressPrincipal, keyPrincipal, panelPrincipal, tokenPrincipal } from './roles.js';

/** The cookie a wallboard's `token=` is exchanged for, and the panel's sign-in cookie. */
export const KEY_COOKIE = 'agentgate_key';
export const PANEL_COOKIE = 'agentgate_panel';

/** What a caller presented, read from the headers and the URL only (never from the body). */
export interface Presented {
  authorization?: string | string[] | undefined;
  /** `token=` from the query string. */
  token?: unknown;
  cookie?: string | string[] | undefined;
}

export type Resolution =
  | { kind: 'principal'; principal: Principal }
  /** Nothing presented, from outside API_ALLOW. */
  | { kind: 'none' }
  /** A credential that is wrong, revoked or expired: never rescued by another, nor by the address. */
  | { kind: 'refused' }
  /** A panel sign-in past its idle timeout or absolute limit. */
  | { kind: 'expired' };

/** API_ALLOW and API_TOKENS, as configured. */
export interface AccessConfig {
  allow: BlockList;
  tokens: readonly string[];
}

export function accessCheck(allow: BlockList, tokens: readonly string[]): AccessConfig {
  return { allow, tokens };
}

/** A key or a session looked up this recently is not looked up again: a revocation shows within 1 s. */
const FRESH_MS = 500;
const MAX_CACHED = 10_000;
const TOUCH_EVERY_MS = 5_000;
/** A panel session's last use is written when it is older than this (the idle timeout is minutes). */
const PANEL_TOUCH_S = 30;

interface Cached<T> {
  value: T;
  at: number;
}

/**
 * Turns what a caller presented into a Principal. Keys and panel sessions live in Postgres, shared
 * by every instance; each is looked up at most every FRESH_MS per process, and a key's last use is
 * written in batches.
 */
export class Credentials {
  private readonly tokenDigests: Buffer[];
  private readonly keys = new Map<string, Cached<Promise<KeyRow | undefined>>>();
  private readonly panels = new Map<string, Cached<Promise<Awaited<ReturnType<typeof findPanelSession>>>>>();
  private readonly used = new Map<string, Date>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly db: Knex,
    private readonly config: AccessConfig,
    private readonly panelLimits: PanelLimits,
    private readonly log: Logger,
  ) {
    this.tokenDigests = config.tokens.map((t) => createHash('sha256').update(t).digest());
    this.timer = setInterval(() => void this.flush(), TOUCH_EVERY_MS);
    this.timer.unref();
  }

  /** True for an address inside API_ALLOW (a socket's address, IPv4-mapped included). */
  insider(address: string | undefined): boolean {
    return address !== undefined && isIP(plain(address)) !== 0 && isAllowed(this.config.allow, address);
  }

  /**
   * The API's credential: `Authorization: Bearer`, `token=`, or else the wallboard's cookie. When
   * several are presented all must name the same valid key. Without any, a caller inside API_ALLOW
   * has full access under its address.
   */
  async resolve(address: string | undefined, presented: Presented): Promise<Resolution> {
    const given: Array<{ text: unknown; via: 'key' | 'cookie' }> = [];
    if (presented.authorization !== undefined) {
      const h = presented.authorization;
      const m = typeof h === 'string' ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(h) : null;
      given.push({ text: m ? m[1] : undefined, via: 'key' });
    }
    if (presented.token !== undefined) given.push({ text: presented.token, via: 'key' });
    if (given.length === 0) {
      const cookie = cookieValue(presented.cookie, KEY_COOKIE);
      if (cookie !== undefined) given.push({ text: cookie, via: 'cookie' });
    }
    if (given.length === 0) return this.insider(address) ? { kind: 'principal', principal: addressPrincipal(plain(address as string)) } : { kind: 'none' };
    let found: Principal | undefined;
    for (const g of given) {
      if (typeof g.text !== 'string' || g.text === '' || g.text.length > 256) return { kind: 'refused' };
      const p = await this.key(g.text, g.via);
      if (!p || (found && found.actor !== p.actor)) return { kind: 'refused' };
      found ??= p;
    }
    const principal = found as Principal;
    if (principal.keyName) this.used.set(principal.keyName, new Date());
    return { kind: 'principal', principal };
  }

  /** The panel's credential: its sign-in cookie and nothing else. */
  async resolvePanel(presented: Presented): Promise<Resolution> {
    const secret = cookieValue(presented.cookie, PANEL_COOKIE);
    if (secret === undefined || secret.length > 256) return { kind: 'none' };
    const hash = digestHex(secret);
    const found = await this.cached(this.panels, hash, () => findPanelSession(this.db, hash, this.panelLimits));
    if (found === undefined) return { kind: 'none' };
    if (found === 'expired') {
      this.panels.delete(hash);
      return { kind: 'expired' };
    }
    if (found.seenAgoS > PANEL_TOUCH_S) {
      found.seenAgoS = 0;
      touchPanelSession(this.db, hash).catch((err: Error) => this.log.warn({ err: err.message }, 'could not record a panel session as used'));
    }
    return { kind: 'principal', principal: panelPrincipal(found.agent) };
  }

  /** Forgets a panel session at once on this instance (a sign-out); others see it within FRESH_MS. */
  forgetPanel(secret: string): void {
    this.panels.delete(digestHex(secret));
  }

  private async key(text: string, via: 'key' | 'cookie'): Promise<Principal | undefined> {
    const digest = createHash('sha256').update(text).digest();
    const token = this.tokenDigests.findIndex((t) => timingSafeEqual(t, digest));
    if (token >= 0) return tokenPrincipal(token, via);
    const hex = digest.toString('hex');
    const row = await this.cached(this.keys, hex, () => findKey(this.db, hex));
    return row ? keyPrincipal(row, via) : undefined;
  }

  /** One lookup per value per FRESH_MS, shared by the requests that arrive meanwhile; a failed one is not kept. */
  private cached<T>(map: Map<string, Cached<Promise<T>>>, id: string, look: () => Promise<T>): Promise<T> {
    const now = performance.now();
    const hit = map.get(id);
    if (hit && now - hit.at < FRESH_MS) return hit.value;
    if (map.size >= MAX_CACHED) map.clear();
    const value = look();
    map.set(id, { value, at: now });
    value.catch(() => map.delete(id));
    return value;
  }

  /** Writes the keys' last use; kept for the next try when Postgres is away. */
  async flush(): Promise<void> {
    if (this.used.size === 0) return;
    const batch = new Map(this.used);
    this.used.clear();
    try {
      await touchKeys(this.db, batch);
    } catch (err) {
      for (const [name, at] of batch) if (!this.used.has(name)) this.used.set(name, at);
      this.log.warn({ err: (err as Error).message }, 'could not record when keys were last used');
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}

/** One cookie's value from a Cookie header (the first of that name), or undefined. */
export function cookieValue(header: string | string[] | undefined, name: string): string | undefined {
  const text = Array.isArray(header) ? header.join('; ') : header;
  if (!text) return undefined;
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const v = part.slice(eq + 1).trim();
      return v === '' ? undefined : v;
    }
  }
  return undefined;
}

export const plain = (address: string) => /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] ?? address;

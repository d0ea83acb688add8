import type { Knex } from 'knex';
import { type PromptLanguage, isPromptLanguage } from './prompts.js';

/** Who is calling, as a phone flow acts for it. */
export type Caller =
  | {
      exten: string;
      /** `device`: the channel is that extension's phone; `number`: only the caller number says so. */
      by: 'device' | 'number';
      /** The extension's provisioned prompt language, if it has one. */
      language: PromptLanguage | undefined;
      /** Other extensions that name the same device (a provisioning slip, logged). */
      also?: string[];
    }
  /** No extension names the channel's device, and the caller number may not decide. */
  | { exten: undefined; device: string | undefined };

/**
 * The device a channel is: `PJSIP/2001-00000025` → `PJSIP/2001` (Asterisk names a channel after
 * its device plus a sequence number after the last `-`; `SIP/2002-0000001a`, `IAX2/2001-1234` alike).
 * A Local channel is dialplan, not a phone: its name says which dialplan runs it, not who dialed, so
 * it is no device (undefined), and neither is a name without the sequence suffix.
 */
export function deviceOf(channel: string): string | undefined {
  const m = /^([A-Za-z0-9_]+)\/([^;\s]+)-[0-9a-f]+$/i.exec(channel.trim());
  if (!m || m[1]?.toLowerCase() === 'local') return undefined;
  return `${m[1]}/${m[2]}`;
}

/**
 * The calling extension (CONTRACT §6): the one whose interface (its own, or MEMBER_INTERFACE's
 * `template`) or state interface names the channel's device, whatever the caller number says; only
 * a channel whose device no extension names is taken to be the extension of its caller number, and
 * only with `fallback` (AGI_CALLERID_FALLBACK). Technology names compare in any case, as Asterisk
 * takes them (`pjsip/2001` dials `PJSIP/2001`); the resource after the `/` exactly.
 */
export async function identifyCaller(
  db: Knex,
  template: string,
  call: { channel: string; callerId: string },
  fallback: boolean,
  /** The session's PBX (src/agi/pbx.ts): only its extensions are callers; null: none is. */
  pbx?: string | null,
): Promise<Caller> {
  const device = deviceOf(call.channel);
  if (pbx === null) return { exten: undefined, device };
  if (device !== undefined) {
    const slash = device.indexOf('/');
    const key = device.slice(0, slash).toLowerCase() + device.slice(slash);
    const { rows } = await db.raw(
      `with named as (select exten, language, coalesce(interface, replace(?, '{exten}', exten)) as iface, state_interface as state
                        from extensions where ?::text is null or pbx = ?::text)
       select exten, language from named
        where ? in (lower(split_part(iface, '/', 1)) || substr(iface, strpos(iface, '/')),
                    lower(split_part(state, '/', 1)) || substr(state, strpos(state, '/')))
        order by exten`,
      [template, pbx ?? null, pbx ?? null, key],
    );
    const found = rows as Array<{ exten: string; language: string | null }>;
    // Two extensions naming one device is a provisioning slip; the caller number settles it if it can.
    const row = found.find((r) => r.exten === call.callerId) ?? found[0];
    if (row) {
      const also = found.filter((r) => r !== row).map((r) => r.exten);
      return { exten: row.exten, by: 'device', language: known(row.language), ...(also.length ? { also } : {}) };
    }
  }
  if (!fallback) return { exten: undefined, device };
  const row = await db('extensions').select('language', 'pbx').where({ exten: call.callerId }).first();
  // another PBX's extension is no caller here (CONTRACT §9): its phones dial that PBX's agentgate address
  if (row && pbx !== undefined && row.pbx !== pbx) return { exten: undefined, device };
  return { exten: call.callerId, by: 'number', language: known(row?.language) };
}

/** The agent's provisioned prompt language, if it has one. */
export async function agentLanguage(db: Knex, login: string): Promise<PromptLanguage | undefined> {
  const row = await db('agents').select('language').where({ login }).first();
  return known(row?.language);
}

/** A stored language agentgate does not ship (written by hand) is ignored rather than played as English. */
export function known(language: unknown): PromptLanguage | undefined {
  return isPromptLanguage(language) ? language : undefined;
}

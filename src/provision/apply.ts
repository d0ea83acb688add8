import { readFileSync } from 'node:fs';
import type { Knex } from 'knex';
import { type Document, isPair, isSeq, parseDocument, visit } from 'yaml';
import { hashPin, verifyPin } from '../commands/pin.js';
import { type Counts, KEY_OF, type ProvisionFile, type Section, fileSchema } from './schema.js';
import { applyPbxes } from './pbxes.js';
import { applyShiftRules } from './shift-rules.js';
import { applyWebhooks } from './webhooks.js';

export class ProvisionError extends Error {}

export type { Counts } from './schema.js';
export type Report = Record<Section, Counts>;

/** Reads and validates a provisioning file; every problem names the file, the entry and the field. */
export function readProvisionFile(path: string): ProvisionFile {
  let source: string;
  try {
    source = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ProvisionError(`${path}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const doc = parseDocument(source, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // the whole message: YAML's own text points at the line and column, with the line shown
    throw new ProvisionError(doc.errors.map((e) => `${path}: ${e.message.trimEnd()}`).join('\n'));
  }
  const data: unknown = doc.toJS() ?? {};
  const zeros = leadingZeros(doc).map((z) => `${path}: ${where(data, z.at)}: ${z.source} is read by YAML as the number ${z.value}; write it in quotes ("${z.source}")`);
  if (zeros.length) throw new ProvisionError(zeros.join('\n'));
  const parsed = fileSchema.safeParse(data);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${path}: ${where(data, issue.path)}: ${issue.message}`);
    throw new ProvisionError(lines.join('\n'));
  }
  const dupes = duplicates(parsed.data).map((d) => `${path}: ${d}`);
  if (dupes.length) throw new ProvisionError(dupes.join('\n'));
  return parsed.data;
}

/**
 * Unquoted numbers written with a leading zero (`agent: 01005`, `exten: 02005`): YAML reads them
 * as 1005 and 2005, silently not what was meant. Each is refused with where it is.
 */
function leadingZeros(doc: Document): Array<{ at: PropertyKey[]; source: string; value: number }> {
  const found: Array<{ at: PropertyKey[]; source: string; value: number }> = [];
  visit(doc, {
    Scalar(_key, node, ancestors) {
      if (node.type !== 'PLAIN' || typeof node.value !== 'number' || !/^[-+]?0[0-9]/.test(node.source ?? '')) return;
      const at: PropertyKey[] = [];
      const chain = [...ancestors, node];
      chain.forEach((n, i) => {
        if (isPair(n)) at.push(String((n.key as { value?: unknown } | null)?.value ?? ''));
        if (isSeq(n)) at.push(n.items.indexOf(chain[i + 1] as never));
      });
      found.push({ at, source: node.source ?? '', value: node.value });
    },
  });
  return found;
}

function where(data: unknown, path: PropertyKey[]): string {
  const [section, index, ...rest] = path;
  if (section === undefined) return 'the file';
  if (typeof index !== 'number') return [section, ...(index === undefined ? [] : [index]), ...rest].map(String).join('.');
  const entry = (data as Record<string, unknown[]>)[String(section)]?.[index] as Record<string, unknown> | undefined;
  const key = KEY_OF[section as Section];
  const id = key && entry && typeof entry === 'object' && entry[key] !== undefined ? ` (${key} ${JSON.stringify(entry[key])})` : '';
  const field = rest.length ? `, field "${rest.join('.')}"` : '';
  return `${String(section)}[${index}]${id}${field}`;
}

function duplicates(file: ProvisionFile): string[] {
  const problems: string[] = [];
  const check = <T extends object>(section: Section, items: T[], key: (t: T) => string, label: string) => {
    const seen = new Map<string, number>();
    // across PBXs the message names both places (CONTRACT §9)
    const on = (item: T | undefined) => {
      const pbx = (item as { pbx?: string } | undefined)?.pbx;
      return pbx === undefined ? '' : ` (pbx "${pbx}")`;
    };
    items.forEach((item, i) => {
      const k = key(item);
      const first = seen.get(k);
      if (first !== undefined) problems.push(`${section}[${i}]${on(item)}: ${label} ${JSON.stringify(k)} is already used by ${section}[${first}]${on(items[first])}`);
      else seen.set(k, i);
    });
  };
  check('pbxes', file.pbxes, (p) => p.name, 'name');
  check('queues', file.queues, (q) => q.name, 'name');
  check('queues', file.queues.filter((q) => q.number !== undefined), (q) => q.number ?? '', 'number');
  check('extensions', file.extensions, (e) => e.exten, 'exten');
  check('agents', file.agents, (a) => a.agent, 'agent');
  check('pause_reasons', file.pause_reasons, (r) => String(r.code), 'code');
  check('pause_reasons', file.pause_reasons, (r) => r.name.toLowerCase(), 'name');
  check('webhooks', file.webhooks, (w) => w.url, 'url');
  return problems;
}

const zero = (): Counts => ({ created: 0, updated: 0, unchanged: 0, removed: 0 });

/** Applies a validated file in one transaction: all of it, or nothing. */
export async function applyProvision(db: Knex, file: ProvisionFile, opts: { prune: boolean; path: string }): Promise<Report> {
  const report: Report = { queues: zero(), extensions: zero(), agents: zero(), pause_reasons: zero(), webhooks: zero(), pbxes: zero(), shift_rules: zero() };
  const pinHashes = new Map<string, string | null>();
  // scrypt is slow on purpose: hash outside the transaction, reusing a stored hash that still matches.
  const stored = new Map<string, string | null>(
    (await db('agents').select('login', 'pin_hash')).map((r: { login: string; pin_hash: string | null }) => [r.login, r.pin_hash]),
  );
  for (const a of file.agents) {
    const old = stored.get(a.agent) ?? null;
    if (a.pin === undefined) pinHashes.set(a.agent, null);
    else pinHashes.set(a.agent, old && (await verifyPin(a.pin, old)) ? old : await hashPin(a.pin));
  }

  await db.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(7346002)');
    const fail = (msg: string): never => {
      throw new ProvisionError(`${opts.path}: ${msg}`);
    };

    await applyPbxes(trx, file, opts.prune, report.pbxes, fail);
    const queueNames = new Set(file.queues.map((q) => q.name));
    const knownQueues = new Set<string>([...queueNames, ...(await trx('queues').pluck('name'))]);
    // an agent's default queue may be given by its number, as callers dial it: `queues: [100]`
    const byNumber = new Map<string, string>(
      (await trx('queues').whereNotNull('number').select('name', 'number')).map((q: { name: string; number: string }) => [q.number, q.name]),
    );
    for (const q of file.queues) if (q.number) byNumber.set(q.number, q.name);
    for (const a of file.agents) a.queues = a.queues.map((q) => (queueNames.has(q) || !byNumber.has(q) ? q : (byNumber.get(q) ?? q)));
    file.agents.forEach((a, i) => {
      for (const q of a.queues) {
        const gone = opts.prune && !queueNames.has(q);
        if (!knownQueues.has(q) || gone) fail(`agents[${i}] (agent "${a.agent}"), field "queues": queue "${q}" is not provisioned`);
      }
    });

    for (const q of file.queues) {
      // a number moving from one queue to another: free it first
      if (q.number) await trx('queues').where({ number: q.number }).whereNot({ name: q.name }).update({ number: null });
      await upsert(trx, 'queues', { name: q.name }, { number: q.number ?? null, callcenter: q.callcenter, pbx: q.pbx, min_available: q.min_available ?? null }, report.queues);
    }
    for (const e of file.extensions) {
      await upsert(
        trx,
        'extensions',
        { exten: e.exten },
        { callcenter: e.callcenter, interface: e.interface ?? null, state_interface: e.state_interface ?? null, language: e.language ?? null, pbx: e.pbx },
        report.extensions,
      );
    }
    for (const a of file.agents) {
      const before = report.agents.unchanged;
      await upsert(trx, 'agents', { login: a.agent }, { name: a.name ?? a.agent, pin_hash: pinHashes.get(a.agent) ?? null, language: a.language ?? null }, report.agents);
      const current: string[] = await trx('agent_queues').where({ agent: a.agent }).orderBy('queue').pluck('queue');
      const wanted = [...new Set(a.queues)].sort();
      if (current.join('\n') !== wanted.join('\n')) {
        await trx('agent_queues').where({ agent: a.agent }).delete();
        if (wanted.length) await trx('agent_queues').insert(wanted.map((queue) => ({ agent: a.agent, queue })));
        if (report.agents.unchanged > before) {
          report.agents.unchanged -= 1;
          report.agents.updated += 1;
        }
      }
    }
    // pause reasons: the code is the key; free a name that moves to another code first
    for (const r of file.pause_reasons) {
      await trx('pause_reasons').whereRaw('lower(name) = lower(?)', [r.name]).whereNot({ code: r.code }).delete();
      const rules = { max_minutes: r.max_minutes ?? null, productive: r.productive, on_overrun: r.on_overrun };
      const asks = { approval: r.approval, approval_timeout_s: r.approval_timeout_s };
      await upsert(trx, 'pause_reasons', { code: r.code }, { name: r.name, ...rules, ...asks, break: r.break ?? null }, report.pause_reasons);
    }

    await applyWebhooks(trx, file.webhooks, opts.prune, report.webhooks);
    await applyShiftRules(trx, file.shift_rules, opts.prune, report.shift_rules);

    if (opts.prune) {
      const agents = new Set(file.agents.map((a) => a.agent));
      const extens = new Set(file.extensions.map((e) => e.exten));
      const sessions: Array<{ agent: string; exten: string }> = await trx('agent_sessions').select('agent', 'exten');
      const sessionQueues: Array<{ agent: string; queue: string }> = await trx('session_queues').select('agent', 'queue');
      for (const s of sessions) {
        if (!agents.has(s.agent)) fail(`--prune would remove agent "${s.agent}", who is logged in on ${s.exten}: log it off first`);
        if (!extens.has(s.exten)) fail(`--prune would remove extension "${s.exten}", where agent "${s.agent}" is logged in: log it off first`);
      }
      for (const s of sessionQueues) {
        if (!queueNames.has(s.queue)) fail(`--prune would remove queue "${s.queue}", where agent "${s.agent}" is logged in: log it off first`);
      }
      report.agents.removed = deleted(await trx('agents').whereNotIn('login', [...agents]).delete());
      report.extensions.removed = deleted(await trx('extensions').whereNotIn('exten', [...extens]).delete());
      report.queues.removed = deleted(await trx('queues').whereNotIn('name', [...queueNames]).delete());
      report.pause_reasons.removed = deleted(
        await trx('pause_reasons')
          .whereNotIn('code', file.pause_reasons.map((r) => r.code))
          .delete(),
      );
    }
  });
  return report;
}

/** pg's driver answers a delete with a count, PGlite's with a result object. */
function deleted(result: unknown): number {
  if (typeof result === 'number') return result;
  const r = result as { affectedRows?: number; rowCount?: number };
  return r.affectedRows ?? r.rowCount ?? 0;
}

async function upsert(
  trx: Knex.Transaction,
  table: string,
  key: Record<string, string | number>,
  values: Record<string, unknown>,
  counts: Counts,
): Promise<void> {
  const existing = await trx(table).where(key).first();
  if (!existing) {
    await trx(table).insert({ ...key, ...values });
    counts.created += 1;
  } else if (Object.entries(values).some(([k, v]) => existing[k] !== v)) {
    const stamp = 'updated_at' in existing ? { updated_at: trx.fn.now() } : {};
    await trx(table).where(key).update({ ...values, ...stamp });
    counts.updated += 1;
  } else {
    counts.unchanged += 1;
  }
}

export function formatReport(report: Report): string {
  return (Object.keys(report) as Section[])
    .map((s) => {
      const c = report[s];
      return `${s}: ${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged, ${c.removed} removed`;
    })
    .join('\n');
}

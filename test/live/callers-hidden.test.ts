import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { accessCheck } from '../../src/access/credentials.js';
import { createKey } from '../../src/access/keys.js';
import type { AgentCall, CallView } from '../../src/calls/board.js';
import { parseAllowList } from '../../src/config.js';
import { buildHttp } from '../../src/http/app.js';
import { EventFeed } from '../../src/live/feed.js';
import { type Harness, quietLog, startHarness, until } from '../support/harness.js';
import { openStream } from '../support/sse.js';

let h: Harness;
let app: FastifyInstance;
let feed: EventFeed;
let port: number;
let hidden: string;
let shown: string;

// Maria is on a call; what the calls board would say of it (the board itself is tested in test/calls).
const CALL: AgentCall = { state: 'on_call', queue: 'support', pbx: 'default', caller: '5511999990000', caller_name: 'Cliente', since: null };
const calls: CallView = {
  forAgent: (agent) => (agent === '1001' ? CALL : null),
  byAgent: () => ({ '1001': CALL }),
  forQueue: () => ({ waiting: 0, longest_wait_s: 0 }),
};

before(async () => {
  h = await startHarness();
  feed = new EventFeed({ db: h.knex, log: quietLog });
  // nobody is allow-listed: every caller is its key
  app = buildHttp({ ...h.deps, calls, feed, access: accessCheck(parseAllowList('192.0.2.1/32'), []), readiness: async () => ({ database: true, pbx: true }) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as AddressInfo).port;
  hidden = await createKey(h.knex, { role: 'display', name: 'tv-floor' });
  shown = await createKey(h.knex, { role: 'display', name: 'tv-office', showCallers: true });
});
after(async () => {
  await app.close();
  await h.close();
});

test('a display key without --show-callers sees calls on /api/agents without caller or caller_name; with it, both', async () => {
  const agents = async (key: string) => {
    const res = await fetch(`http://127.0.0.1:${port}/api/agents`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { agents: Array<{ agent: string; call: AgentCall | null }> };
    return body.agents.find((a) => a.agent === '1001')?.call;
  };
  assert.deepEqual(await agents(hidden), { ...CALL, caller: null, caller_name: null });
  assert.deepEqual(await agents(shown), CALL);
});

test("the feed's call messages: without the callers for a key without --show-callers, whole for one with it", async () => {
  const open = (key: string) => openStream(port, { path: '/api/events/stream', headers: { authorization: `Bearer ${key}` } });
  const [a, b] = [open(hidden), open(shown)];
  try {
    await until(() => a.comments > 0 && b.comments > 0, 'both streams live');
    feed.announce('call', { agent: '1001', interface: 'PJSIP/2001', call: CALL });
    feed.announce('call', { agent: '1001', interface: 'PJSIP/2001', call: null });
    for (const c of [a, b]) await c.until((s) => s.messages.filter((m) => m.event === 'call').length === 2, 5000, 'two call messages');
    const callOf = (c: typeof a) => c.messages.filter((m) => m.event === 'call').map((m) => m.data.call);
    assert.deepEqual(callOf(a), [{ ...CALL, caller: null, caller_name: null }, null]);
    assert.deepEqual(callOf(b), [CALL, null]);
  } finally {
    a.close();
    b.close();
  }
});

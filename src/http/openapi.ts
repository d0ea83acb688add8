import { HTTP_ANSWERS } from './answers.js';
import { accessPaths } from './openapi-access.js';
import { breaksPaths } from './openapi-breaks.js';
import { PAGES } from './pages.js';
import { OUTCOMES, type OutcomeKind } from '../commands/outcomes.js';
import { GROUPS } from '../reports/params.js';
import { DELIVERY_STATUSES } from '../webhooks/outbox.js';

/** Answers /api/agent.php gives besides the outcome table: shutdown, unreadable input (HTTP's own table). */
export const AGENT_API_EXTRA = {
  shuttingDown: HTTP_ANSWERS.shuttingDown,
  tooLarge: HTTP_ANSWERS.bodyTooLarge,
  unsupportedType: HTTP_ANSWERS.unsupportedType,
} as const;

const error = { type: 'object', required: ['error'], properties: { error: { type: 'string' }, detail: { type: 'string' } } };
const json = (schema: object, examples?: Record<string, { value: unknown }>) => ({ 'application/json': { schema, ...(examples ? { examples } : {}) } });
const forbidden = { description: 'Caller outside API_ALLOW without a valid token', content: json(error, { forbidden: { value: outcomeExample('forbidden') } }) };
const secured = [{}, { bearer: [] }, { token: [] }];

/** Example body of each outcome, as /api/agent.php sends it. */
export function outcomeExample(kind: OutcomeKind): Record<string, unknown> {
  const o = OUTCOMES[kind];
  // (Asterisk's own words follow the outcome's, as outcomeBody puts them)
  if (kind === 'pbxError') return { error: `${o.message}: Unable to add interface: No such queue` };
  if (kind === 'statusOk') return { [o.result]: o.message, agent: '1001', state: 'available', exten: '2001', pbx: 'default', queues: ['support'], paused_queues: [], reason: null, actor: null, since: '2026-11-24T16:00:00.000Z', call: null };
  return { [o.result]: o.message };
}

/** The agent API's answers grouped by status: every outcome of the table, and the extras. */
export function agentApiAnswers(): Map<number, Record<string, { value: unknown }>> {
  const out = new Map<number, Record<string, { value: unknown }>>();
  const add = (status: number, name: string, body: unknown) => out.set(status, { ...(out.get(status) ?? {}), [name]: { value: body } });
  for (const kind of Object.keys(OUTCOMES) as OutcomeKind[]) add(OUTCOMES[kind].http, kind, outcomeExample(kind));
  for (const [name, a] of Object.entries(AGENT_API_EXTRA)) add(a.status, name, a.body);
  return out;
}

function agentOperation(method: 'get' | 'post') {
  const params = ['command', 'agent', 'exten', 'queue', 'reason', 'wait', 'token'].map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } }));
  const responses = Object.fromEntries(
    [...agentApiAnswers()].sort(([a], [b]) => a - b).map(([status, examples]) => [String(status), { description: `HTTP ${status}`, content: json({ type: 'object' }, examples) }]),
  );
  return {
    summary: 'Agent commands: login, logoff, pause, unpause, status (drop-in for agent.php); approve, deny (supervisors)',
    security: secured,
    parameters: params,
    ...(method === 'post'
      ? {
          requestBody: {
            content: {
              'application/x-www-form-urlencoded': { schema: { type: 'object', properties: Object.fromEntries(params.map((p) => [p.name, { type: 'string' }])) } },
              'application/json': { schema: { type: 'object', properties: Object.fromEntries(params.map((p) => [p.name, { type: 'string' }])) } },
            },
          },
        }
      : {}),
    responses,
  };
}

const asset = (type: string) => ({ get: { summary: 'A static file of a page (no data: served to anyone)', responses: { 200: { description: 'The file', content: { [type]: { schema: { type: 'string' } } } } } } });

/** An agent's queue call (live state from Asterisk), in `/api/agents`, `status` and the feed's `call` messages. */
const agentCall = {
  oneOf: [
    { type: 'null' },
    {
      type: 'object',
      required: ['state', 'queue', 'caller', 'since'],
      properties: {
        state: { enum: ['ringing', 'on_call'] },
        queue: { type: 'string' },
        pbx: { type: 'string', description: 'the PBX of the queue, whose AMI connection said it' },
        caller: { type: ['string', 'null'], description: "the caller's number; null when Asterisk has none" },
        caller_name: { type: ['string', 'null'], description: "the caller's name (caller id); null when Asterisk has none" },
        since: { type: ['string', 'null'], format: 'date-time', description: 'when it began ringing, or was answered; null when unknown (after an AMI reconnect without CoreShowChannels)' },
      },
    },
  ],
};
const agentItem = {
  type: 'object',
  required: ['agent', 'name', 'state', 'exten', 'queues', 'paused_queues', 'reason', 'actor', 'since', 'call'],
  properties: {
    agent: { type: 'string' },
    name: { type: ['string', 'null'] },
    state: { enum: ['available', 'paused', 'logged_off'], description: 'paused only when paused in every queue of the session' },
    exten: { type: ['string', 'null'] },
    queues: { type: 'array', items: { type: 'string' } },
    paused_queues: { type: 'array', items: { type: 'string' }, description: 'the queues of the session in which the agent is paused' },
    reason: { type: ['string', 'null'] },
    actor: { type: ['string', 'null'], description: 'who started the current pause (key:<name>, agent:<login>, phone:<exten>, ip:<address>, pbx, policy…); null when not paused' },
    since: { type: ['string', 'null'], format: 'date-time', description: 'when the state shown began' },
    default_queues: { type: 'array', items: { type: 'string' } },
    max_minutes: { type: ['integer', 'null'], description: "the limit of the pause's reason (pause rules)" },
    overdue: { type: 'boolean', description: 'this pause was recorded overdue' },
    call: agentCall,
    pending_pause: {
      type: 'object',
      required: ['reason', 'since', 'approval'],
      properties: { reason: { type: ['string', 'null'] }, since: { type: 'string', format: 'date-time' }, approval: { type: 'boolean', description: 'waiting for a yes (true) or under a floor (false)' } },
      description: 'only while a pause waits: queued under a queue floor (wait=1) or asking a supervisor (docs/pauses.md)',
    },
  },
};
const queueItem = {
  type: 'object',
  properties: {
    queue: { type: 'string' },
    logged_in: { type: 'integer' },
    available: { type: 'integer' },
    paused: { type: 'integer' },
    paused_by_reason: { type: 'object', additionalProperties: { type: 'integer' }, description: 'paused agents by reason ("" = none given)' },
    waiting: { type: 'integer', description: 'callers waiting in the queue now' },
    longest_wait_s: { type: 'integer', description: 'how long the first of them has waited' },
  },
};

const reportRow = {
  type: 'object',
  properties: {
    agent: { type: 'string' }, name: { type: ['string', 'null'] }, reason: { type: ['string', 'null'] }, queue: { type: 'string' }, day: { type: 'string', format: 'date' },
    logged_in_s: { type: 'integer' }, paused_s: { type: 'integer' }, paused_by_reason: { type: 'object', additionalProperties: { type: 'integer' } },
    pauses: { type: 'integer' }, longest_pause_s: { type: 'integer' }, paused_ratio: { type: ['number', 'null'] },
    // pause rules: productive pauses apart
    productive_paused_s: { type: 'integer' }, unproductive_paused_ratio: { type: ['number', 'null'] },
    calls_answered: { type: ['integer', 'null'], description: 'queue calls answered (null by reason)' },
    talk_s: { type: ['integer', 'null'], description: 'their talk time (null by reason)' },
    missed_rings: { type: ['integer', 'null'], description: 'rings not answered (null by reason)' },
  },
};

const deliveryRow = {
  type: 'object',
  properties: {
    id: { type: 'integer' }, webhook: { type: 'string', description: 'its URL' }, event_id: { type: 'integer' }, kind: { type: ['string', 'null'] },
    agent: { type: 'string' }, idempotency_key: { type: 'string', format: 'uuid' }, status: { enum: [...DELIVERY_STATUSES] }, attempts: { type: 'integer' },
    created_at: { type: 'string' }, tried_at: { type: ['string', 'null'] }, next_at: { type: ['string', 'null'] }, finished_at: { type: ['string', 'null'] },
    last_status: { type: ['integer', 'null'] }, last_error: { type: ['string', 'null'] },
  },
};

/** OpenAPI 3.1 for every route agentgate serves; a test keeps it equal to the routes registered. */
export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: { title: 'agentgate', version: '0.1.0', description: 'Call-center agents in Asterisk queues. Answers and semantics: docs/http-api.md.' },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A key (agentgate keys create) or an API_TOKENS entry; callers inside API_ALLOW need none' },
        token: { type: 'apiKey', in: 'query', name: 'token' },
        panel: { type: 'apiKey', in: 'cookie', name: 'agentgate_panel', description: "The agent panel's sign-in" },
      },
    },
    paths: {
      '/api/agent.php': { get: agentOperation('get'), post: agentOperation('post') },
      '/api/agent': { get: agentOperation('get'), post: agentOperation('post') },
      '/api/agents': {
        get: {
          summary: 'Agents and their live state',
          security: secured,
          parameters: [
            { name: 'queue', in: 'query', schema: { type: 'string' } },
            { name: 'state', in: 'query', schema: { enum: ['available', 'paused', 'logged_off'] } },
          ],
          responses: {
            200: { description: '{"agents":[…]}', content: json({ type: 'object', properties: { agents: { type: 'array', items: agentItem } } }) },
            400: { description: 'A bad filter', content: json(error, { bad: { value: { error: 'Argument list invalid' } } }) },
            403: forbidden,
          },
        },
      },
      '/api/queues': {
        get: { summary: 'Queues, their agents by state and the callers waiting', security: secured, responses: { 200: { description: '{"queues":[…]}', content: json({ type: 'object', properties: { queues: { type: 'array', items: queueItem } } }) }, 403: forbidden } },
      },
      '/api/events/stream': {
        get: {
          summary: 'The record as it grows (server-sent events; Last-Event-ID resumes)',
          description:
            'Each row of the events table as a message with its `id:`. Queue calls, which are live state and not rows, come as `event: call` ' +
            '(`{"agent","interface","pbx","call"}`, `call` as in /api/agents) and `event: queue` (`{"queue","pbx","waiting","longest_wait_s"}`) messages without an id.',
          security: secured,
          parameters: [
            { name: 'Last-Event-ID', in: 'header', schema: { type: 'string' } },
            { name: 'last_event_id', in: 'query', description: "a page's first connection", schema: { type: 'string' } },
          ],
          responses: { 200: { description: 'One message per event', content: { 'text/event-stream': { schema: { type: 'string' } } } }, 403: forbidden },
        },
      },
      '/api/reports/pauses': {
        get: {
          summary: 'Logged-in and paused time by agent, reason, queue or local day',
          security: secured,
          parameters: [
            { name: 'from', in: 'query', required: true, schema: { type: 'string', format: 'date' } },
            { name: 'to', in: 'query', required: false, description: 'inclusive; default: from', schema: { type: 'string', format: 'date' } },
            { name: 'tz', in: 'query', required: false, description: "IANA zone; default: the service's", schema: { type: 'string' } },
            { name: 'group', in: 'query', required: false, schema: { enum: [...GROUPS], default: 'agent' } },
            { name: 'format', in: 'query', required: false, schema: { enum: ['json', 'csv'], default: 'json' } },
          ],
          responses: {
            200: {
              description: 'The report',
              content: {
                ...json({ type: 'object', properties: { from: { type: 'string' }, to: { type: 'string' }, tz: { type: 'string' }, group: { type: 'string' }, start: { type: 'string' }, end: { type: 'string' }, until: { type: 'string' }, reasons: { type: 'array' }, productive_reasons: { type: 'array', items: { type: 'string' } }, rows: { type: 'array', items: reportRow } } }),
                'text/csv': { schema: { type: 'string' } },
              },
            },
            400: { description: 'A bad parameter, named in detail', content: json(error, { bad: { value: { error: 'Argument list invalid', detail: 'from' } } }) },
            403: forbidden,
            503: { description: 'The database cannot be read', content: json(error, { down: { value: { error: 'Database unavailable' } } }) },
          },
        },
      },
      '/api/webhooks/deliveries': {
        get: {
          summary: 'Webhook deliveries, newest first (the secret is never shown)',
          security: secured,
          parameters: [
            { name: 'status', in: 'query', required: false, description: 'default: all', schema: { enum: [...DELIVERY_STATUSES] } },
            { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
            { name: 'before', in: 'query', required: false, description: 'only deliveries with a smaller id (the next page)', schema: { type: 'integer' } },
          ],
          responses: {
            200: { description: '{"deliveries":[…]}', content: json({ type: 'object', properties: { deliveries: { type: 'array', items: deliveryRow } } }) },
            400: { description: 'A bad parameter, named in detail', content: json(error, { bad: { value: { error: 'Argument list invalid', detail: 'status' } } }) },
            403: forbidden,
            503: { description: 'The database cannot be read', content: json(error, { down: { value: { error: 'Database unavailable' } } }) },
          },
        },
      },
      ...Object.fromEntries(
        PAGES.flatMap((p) => [
          [
            p.url,
            {
              get: {
                summary: p.summary,
                security: secured,
                responses: {
                  200: { description: 'The page', content: { 'text/html': { schema: { type: 'string' } } } },
                  403: { description: 'The same page, which asks for a token', content: { 'text/html': { schema: { type: 'string' } } } },
                },
              },
            },
          ],
          ...p.assets.map((a) => [`${p.url}/${a}`, asset(a.endsWith('.js') ? 'text/javascript' : 'text/css')]),
        ]),
      ),
      '/metrics': {
        get: { summary: 'Prometheus metrics (text exposition format)', security: secured, responses: { 200: { description: 'Metrics', content: { 'text/plain': { schema: { type: 'string' } } } }, 403: forbidden } },
      },
      '/healthz': { get: { summary: 'The process runs', responses: { 200: { description: 'ok', content: json({ type: 'object' }, { ok: { value: { status: 'ok' } } }) } } } },
      '/readyz': {
        get: {
          summary: 'Database and AMI both up',
          responses: {
            200: { description: 'ready', content: json({ type: 'object' }) },
            503: { description: 'not ready, with which part is down', content: json({ type: 'object' }) },
          },
        },
      },
      ...accessPaths(secured),
      ...breaksPaths(secured),
      '/openapi.json': { get: { summary: 'This document', security: secured, responses: { 200: { description: 'OpenAPI 3.1', content: json({ type: 'object' }) }, 403: forbidden } } },
    },
  };
}

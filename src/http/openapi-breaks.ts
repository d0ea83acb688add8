/** OpenAPI paths of the breaks the law requires (CONTRACT §10, docs/pauses.md "Breaks"). */
const json = (schema: object, examples?: Record<string, { value: unknown }>) => ({ 'application/json': { schema, ...(examples ? { examples } : {}) } });
const error = { type: 'object', properties: { error: { type: 'string' }, detail: { type: 'string' } } };
const down = { description: 'The database cannot be read', content: json(error, { down: { value: { error: 'Database unavailable' } } }) };
const forbidden = { description: 'Not allowed for this credential', content: json(error, { forbidden: { value: { error: 'Forbidden' } } }) };

const breakOut = {
  type: 'object',
  properties: {
    reason: { type: 'string' },
    start: { type: 'string', description: 'local time with its offset' },
    end: { type: 'string' },
    length_s: { type: 'integer' },
    in_progress: { type: 'boolean' },
    problems: { type: 'array', items: { enum: ['too_short', 'too_early', 'too_late'] } },
  },
};

const row = {
  type: 'object',
  properties: {
    agent: { type: 'string' },
    name: { type: ['string', 'null'] },
    day: { type: 'string', format: 'date', description: 'the local day the shift began' },
    shift_start: { type: 'string' },
    shift_end: { type: 'string' },
    in_progress: { type: 'boolean' },
    logged_in_s: { type: 'integer' },
    worked_s: { type: 'integer', description: 'logged in, less meal breaks' },
    rest_breaks_required: { type: 'integer' },
    meal_breaks_required: { type: 'integer' },
    rest_breaks: { type: 'array', items: breakOut },
    meal_breaks: { type: 'array', items: breakOut },
    shortfalls: {
      type: 'array',
      items: { type: 'object', properties: { break: { enum: ['rest', 'meal'] }, problem: { enum: ['missing', 'too_short', 'too_early', 'too_late'] }, at: { type: ['string', 'null'] } } },
    },
  },
};

export function breaksPaths(secured: object[]): Record<string, unknown> {
  return {
    '/api/reports/breaks': {
      get: {
        summary: 'Per agent and shift: time logged in, each rest and meal break, and what falls short of the shift rules',
        security: secured,
        parameters: [
          { name: 'from', in: 'query', required: true, schema: { type: 'string', format: 'date' } },
          { name: 'to', in: 'query', required: false, description: 'inclusive; default: from', schema: { type: 'string', format: 'date' } },
          { name: 'tz', in: 'query', required: false, description: "IANA zone; default: the service's", schema: { type: 'string' } },
          { name: 'agent', in: 'query', required: false, description: "one agent's shifts", schema: { type: 'string' } },
          { name: 'format', in: 'query', required: false, schema: { enum: ['json', 'csv'], default: 'json' } },
        ],
        responses: {
          200: {
            description: 'The report',
            content: {
              ...json({ type: 'object', properties: { from: { type: 'string' }, to: { type: 'string' }, tz: { type: 'string' }, agent: { type: ['string', 'null'] }, start: { type: 'string' }, end: { type: 'string' }, until: { type: 'string' }, rules: { type: 'object' }, rows: { type: 'array', items: row } } }),
              'text/csv': { schema: { type: 'string' } },
            },
          },
          400: { description: 'A bad parameter, named in detail', content: json(error, { bad: { value: { error: 'Argument list invalid', detail: 'from' } } }) },
          403: forbidden,
          503: down,
        },
      },
    },
    '/api/breaks/due': {
      get: {
        summary: "Agents logged in now whose rest break is due (the wallboard's mark)",
        security: secured,
        responses: {
          200: {
            description: '{"at","agents":[{"agent","due_since","shift_start","rest_breaks_taken"}]}',
            content: json({ type: 'object', properties: { at: { type: 'string' }, agents: { type: 'array', items: { type: 'object' } } } }),
          },
          403: forbidden,
          503: down,
        },
      },
    },
  };
}

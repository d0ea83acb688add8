import { HTTP_ANSWERS } from './answers.js';

/** OpenAPI paths of who may do what (CONTRACT §8): the credential's own description, and the agent panel's routes. */
const json = (examples: Record<string, { value: unknown }>) => ({ 'application/json': { schema: { type: 'object' }, examples } });
const answer = (description: string, ...names: Array<keyof typeof HTTP_ANSWERS>) => ({
  description,
  content: json(Object.fromEntries(names.map((n) => [n, { value: HTTP_ANSWERS[n].body }]))),
});
const panelSession = [{ panel: [] }];

export function accessPaths(secured: object[]): Record<string, unknown> {
  const signIn = answer('Not signed in, or the sign-in ended', 'signIn', 'sessionExpired');
  return {
    '/api/me': {
      get: {
        summary: "What the caller's credential may: its role, actor and scope; for a supervisor or admin, the pause reasons",
        security: secured,
        responses: {
          200: { description: 'The credential', content: json({ supervisor: { value: { success: 'OK', role: 'supervisor', actor: 'key:floor-a', agent: null, queues: ['support'], show_callers: true, reasons: [{ code: 1, name: 'Almoco' }] } } }) },
          403: answer('No valid credential', 'forbidden'),
        },
      },
    },
    '/agent/signin': {
      post: {
        summary: "The agent panel's sign-in: login and PIN (the phone's, with its lockout); sets the panel's cookie",
        requestBody: { content: { 'application/json': { schema: { type: 'object', required: ['agent', 'pin'], properties: { agent: { type: 'string' }, pin: { type: 'string' } } } } } },
        responses: {
          200: answer('Signed in', 'signedIn'),
          400: answer('Login or PIN missing or malformed', 'badParameter'),
          401: answer('A wrong PIN, an unknown agent or one without a PIN', 'pinWrong'),
          403: answer('Not a POST from the panel itself', 'forbidden'),
          429: answer('Locked after too many wrong PINs', 'pinLocked'),
        },
      },
    },
    '/agent/signout': { post: { summary: 'Ends the panel sign-in', responses: { 200: answer('Signed out', 'signedOut'), 403: answer('Not a POST from the panel itself', 'forbidden') } } },
    '/agent/me': {
      get: { summary: 'The signed-in agent: its status, the pause reasons, the queues', security: panelSession, responses: { 200: { description: 'The agent', content: json({}) }, 401: signIn } },
    },
    '/agent/events': {
      get: {
        summary: "The signed-in agent's own events as they happen (server-sent events)",
        security: panelSession,
        responses: { 200: { description: 'One message per event', content: { 'text/event-stream': { schema: { type: 'string' } } } }, 401: signIn },
      },
    },
    '/agent/command': {
      post: {
        summary: "A command for the signed-in agent (login, logoff, pause, unpause, status): the answers of /api/agent.php",
        security: panelSession,
        responses: { 200: { description: 'As /api/agent.php', content: json({}) }, 401: signIn, 403: answer('Not from the panel itself, or another agent', 'forbidden') },
      },
    },
  };
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Credentials, PANEL_COOKIE, cookieValue } from '../access/credentials.js';
import { digestHex as digest } from '../access/keys.js';
import { type PanelLimits, createPanelSession, endPanelSession } from '../access/panel-sessions.js';
import type { Principal } from '../access/roles.js';
import type { Deps } from '../commands/deps.js';
import type { Outcome } from '../commands/outcomes.js';
import { checkPhonePin } from '../commands/phone.js';
import type { PinGuard } from '../commands/pin.js';
import type { RawCommand } from '../commands/input.js';
import { HTTP_ANSWERS, type HttpAnswer } from './answers.js';

export interface PanelRoutes {
  deps: Deps;
  credentials: Credentials;
  limits: PanelLimits;
  pinGuard: PinGuard;
  send: (reply: FastifyReply, answer: HttpAnswer | { status: number; body: object }) => FastifyReply;
  /** Runs a command for the signed-in agent, through the same path as /api/agent.php. */
  command: (raw: RawCommand, principal: Principal) => Promise<{ outcome: Outcome; answer: { status: number; body: object } }>;
}

/**
 * The agent panel's own routes (CONTRACT §8): sign in with login and PIN (the phone's PIN and its
 * lockout, shared), what the panel shows, its commands, sign out. Who may call each is the access
 * table's (src/http/routes.ts): sign-in and sign-out from the panel's own origin only, the rest
 * with a panel sign-in only.
 */
export function registerPanel(app: FastifyInstance, r: PanelRoutes): void {
  const cookie = (req: FastifyRequest, value: string, maxAge: number) =>
    `${PANEL_COOKIE}=${value}; Path=/agent; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${req.protocol === 'https' ? '; Secure' : ''}`;

  app.post('/agent/signin', async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const agent = typeof body.agent === 'string' ? body.agent.trim() : '';
    const pin = typeof body.pin === 'string' ? body.pin.trim() : '';
    if (!/^[0-9A-Za-z._-]{1,64}$/.test(agent) || !/^[0-9]{1,16}$/.test(pin)) return r.send(reply, HTTP_ANSWERS.badParameter);
    const answer = await checkPhonePin(r.deps, r.pinGuard, agent, pin);
    if (answer === 'locked') return r.send(reply, HTTP_ANSWERS.pinLocked);
    if (answer === 'wrong') return r.send(reply, HTTP_ANSWERS.pinWrong);
    const secret = await createPanelSession(r.deps.db, agent);
    req.log.info({ agent }, 'panel: signed in');
    return r.send(reply.header('set-cookie', cookie(req, secret, r.limits.maxS)), HTTP_ANSWERS.signedIn);
  });

  app.post('/agent/signout', async (req, reply) => {
    const secret = cookieValue(req.headers.cookie, PANEL_COOKIE);
    if (secret) {
      await endPanelSession(r.deps.db, digest(secret));
      r.credentials.forgetPanel(secret);
    }
    return r.send(reply.header('set-cookie', cookie(req, '', 0)), HTTP_ANSWERS.signedOut);
  });

  app.get('/agent/me', async (req, reply) => {
    const principal = req.principal as Principal;
    const [{ answer }, agent, reasons, queues] = await Promise.all([
      r.command({ command: 'status' }, principal),
      r.deps.db('agents').where({ login: principal.agent }).first('login', 'name', 'default_queues_json'),
      r.deps.db('pause_reasons').select('code', 'name', 'max_minutes').orderBy('code'),
      r.deps.db('queues').where({ callcenter: true }).select('name', 'number').orderBy('name'),
    ]);
    return r.send(reply, {
      status: 200,
      body: {
        success: 'OK',
        agent: principal.agent,
        name: agent?.name ?? null,
        default_queues: JSON.parse(agent?.default_queues_json ?? '[]'),
        status: answer.body,
        reasons,
        queues,
        idle_timeout_s: r.limits.idleS,
      },
    });
  });

  app.post('/agent/command', async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    // several queues at once, as the panel's check boxes send them
    const many = Array.isArray(body.queue) ? (body.queue as unknown[]) : undefined;
    const { answer } = await r.command(
      {
        command: body.command,
        agent: body.agent,
        exten: body.exten,
        queue: many ? undefined : body.queue,
        queues: many?.every((q) => typeof q === 'string') ? (many as string[]) : undefined,
        reason: body.reason,
        wait: body.wait,
      },
      req.principal as Principal,
    );
    return r.send(reply, answer);
  });
}

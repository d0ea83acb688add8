/** manager.c process_message(): who may send what, the drop and refuse faults, and the manager's own actions. */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { SimCalls } from './calls.js';
import { permitted } from './authority.js';
import { command } from './dialplan.js';
import { type DeviceStateDeps, deviceStateActions } from './device-state-actions.js';
import type { EventQueue } from './events.js';
import type { Faults } from './faults.js';
import { type AmiMessage, eventText, FLAG, idLine, type Message, response, stringsToMask } from './protocol.js';
import { queueActions } from './queue-actions.js';
import type { Queues } from './queues.js';
import { pjsipShowEndpoints, type SimEndpoint } from './pjsip.js';
import type { Session, Sessions } from './sessions.js';

export interface ActionDeps {
  sessions: Sessions;
  queues: Queues;
  calls: SimCalls;
  events: EventQueue;
  faults: Faults;
  clock: () => number;
  /** Read at each login: they can be changed on a running simulator. */
  login(): { username: string; secret: string; authFailDelayMs: number };
  /** When this Asterisk last (re)started, in epoch milliseconds (FullyBooted's Uptime). */
  startedAt(): number;
  /** Every action received: Login always, others once logged in. */
  received(action: AmiMessage): void;
  /** Custom device states, hints and globals (Setvar, Getvar, ExtensionState). */
  devices: DeviceStateDeps;
  /** The account's `write =` classes, as a mask; read at each action so a test can change it. */
  writePermission(): number;
  /** What the configuration files hold now (pjsip.conf endpoints, extensions.conf text). */
  config(): { endpoints: readonly SimEndpoint[]; dialplan: string };
}

/** 'close': the session ends after the answer; 'async': the answer comes later, or never. */
type After = 'close' | 'async' | void;

export function processMessage(deps: ActionDeps, s: Session, m: Message): void {
  const action = m.get('Action', true);
  const lower = action.toLowerCase();
  if (action !== '' && (s.authenticated || lower === 'login')) deps.received(m.toRecord());
  if (deps.faults.mode === 'silent') return;

  if (action === '') {
    deps.sessions.write(s, response(m, 'Error', 'Missing action in request'));
    return;
  }
  if (!s.authenticated && lower !== 'login' && lower !== 'logoff' && lower !== 'challenge') {
    deps.sessions.write(s, response(m, 'Error', 'Permission denied'));
    return;
  }

  const drop = deps.faults.takeDrop(lower);
  const out: string[] = [];
  const after = runAction(deps, s, m, action, out);
  if (drop) {
    deps.sessions.kill(s);
    deps.events.flush();
    return;
  }
  const then = deps.faults.takeFollower(lower);
  if (then) {
    // the answer, the events it caused and those of `then`, in one write: one TCP segment
    const following = deps.sessions.gather(s, () => {
      deps.events.flush();
      then();
      deps.events.flush();
    });
    deps.sessions.write(s, out.join('') + following);
  } else {
    deps.sessions.write(s, out.join(''));
    deps.events.flush();
  }
  if (after === 'close') deps.sessions.hangUp(s);
}

function runAction(deps: ActionDeps, s: Session, m: Message, action: string, out: string[]): After {
  const lower = action.toLowerCase();
  if (deps.faults.refuses(lower)) {
    out.push(response(m, 'Error', deps.faults.refuseMessage));
    return;
  }
  switch (lower) {
    case 'login':
      return login(deps, s, m, out);
    case 'logoff':
      out.push(response(m, 'Goodbye', 'Thanks for all the fish.'));
      return 'close';
    case 'ping':
      return ping(deps, m, out);
    case 'events':
      return events(s, m, out);
  }
  if (!permitted(deps.writePermission(), lower)) {
    out.push(response(m, 'Error', 'Permission denied'));
    return;
  }
  const queueAction = queueActions.get(lower);
  if (queueAction) return queueAction(deps.queues, m, out);
  if (lower === 'coreshowchannels') return deps.calls.coreShowChannels(m, out);
  if (lower === 'pjsipshowendpoints') return pjsipShowEndpoints(deps.config().endpoints, m, out);
  if (lower === 'command') return command(deps.config().dialplan, m, out);
  const deviceAction = deviceStateActions.get(lower);
  if (deviceAction) return deviceAction(deps.devices, m, out);
  out.push(response(m, 'Error', `Invalid/unknown command: ${action}. Use Action: ListCommands to show available commands.`));
}

function login(deps: ActionDeps, s: Session, m: Message, out: string[]): After {
  if (s.authenticated) {
    out.push(response(m, 'Success', 'Already authenticated'));
    return;
  }
  const account = deps.login();
  const username = m.get('Username');
  const ok =
    username !== '' &&
    username.toLowerCase() === account.username.toLowerCase() &&
    m.get('AuthType') === '' &&
    m.get('Secret') === account.secret;
  if (!ok) {
    // manager.c action_login(): sleep(1), "Authentication failed", close. Nothing else is read meanwhile.
    s.done = true;
    const timer = setTimeout(() => {
      deps.sessions.write(s, response(m, 'Error', 'Authentication failed'));
      s.socket.end();
    }, account.authFailDelayMs);
    timer.unref();
    return 'async';
  }
  s.authenticated = true;
  clearTimeout(s.authTimer);
  const mask = stringsToMask(m.get('Events'));
  if (mask >= 0) s.sendEvents = mask;
  out.push(response(m, 'Success', 'Authentication accepted'));
  if (s.sendEvents & FLAG.system) {
    const uptime = String(Math.floor((deps.clock() - deps.startedAt()) / 1000));
    out.push(
      eventText(FLAG.system, 'FullyBooted', [
        ['Uptime', uptime],
        ['LastReload', uptime],
        ['Status', 'Fully Booted'],
      ]),
    );
  }
  // The security event is published through stasis, so it reaches every session (this one included).
  const tv = eventTv(deps.clock());
  const local = stripV4Mapped(s.socket.localAddress ?? deps.sessions.host);
  const remote = stripV4Mapped(s.socket.remoteAddress ?? '127.0.0.1');
  const family = net.isIPv6(local) ? 'IPV6' : 'IPV4';
  deps.events.publish(FLAG.security, 'SuccessfulAuth', [
    ['EventTV', tv],
    ['Severity', 'Informational'],
    ['Service', 'AMI'],
    ['EventVersion', '1'],
    ['AccountID', account.username],
    ['SessionID', s.sessionId],
    ['LocalAddress', `${family}/TCP/${local}/${s.socket.localPort ?? deps.sessions.port}`],
    ['RemoteAddress', `${family}/TCP/${remote}/${s.socket.remotePort ?? 0}`],
    ['UsingPassword', '0'],
    ['SessionTV', tv],
  ]);
}

function ping(deps: ActionDeps, m: Message, out: string[]): void {
  // With the real clock, microseconds as Asterisk shows them; with a test clock, that clock.
  const t = performance.timeOrigin + performance.now();
  const wall = deps.clock === Date.now ? t : deps.clock();
  const sec = Math.floor(wall / 1000);
  const usec = Math.min(999_999, Math.floor((wall - sec * 1000) * 1000));
  out.push(`Response: Success\r\n${idLine(m)}Ping: Pong\r\nTimestamp: ${sec}.${String(usec).padStart(6, '0')}\r\n\r\n`);
}

function events(s: Session, m: Message, out: string[]): void {
  const res = stringsToMask(m.get('EventMask'));
  if (res >= 0) s.sendEvents = res;
  if (res > 0) out.push(`Response: Success\r\n${idLine(m)}Events: On\r\n\r\n`);
  else if (res === 0) out.push(`Response: Success\r\n${idLine(m)}Events: Off\r\n\r\n`);
  else out.push(response(m, 'Error', 'Invalid event mask'));
}

/** Security event timestamps: 2026-11-24T14:28:30.684+0000 (UTC). */
function eventTv(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}+0000`;
}

function stripV4Mapped(addr: string): string {
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr;
}

import { DEVICE_STATES } from './devices.js';
import { eventText, FLAG } from './protocol.js';
import type { Member } from './model.js';

interface PendingEvent {
  flag: number;
  text: string;
}

/**
 * Events wait here until the action that caused them has been answered (the captures show the
 * response first), then go to every session whose mask wants them.
 */
export class EventQueue {
  private pending: PendingEvent[] = [];
  /** Last published state of every device (DeviceStateChange is only sent on a change). */
  private readonly devCache = new Map<string, string>();
  /** Told of every device state change once its DeviceStateChange is published (the hints watch them). */
  private readonly deviceListeners: Array<(device: string, state: number) => void> = [];

  constructor(private readonly deliver: (flag: number, text: string) => void) {}

  publish(flag: number, name: string, headers: ReadonlyArray<readonly [string, string]>): void {
    this.pending.push({ flag, text: eventText(flag, name, headers) });
  }

  /** DeviceStateChange is published only when the cached state of the device changes. */
  deviceState(device: string, state: number): void {
    const name = DEVICE_STATES[state] ?? 'UNKNOWN';
    if (this.devCache.get(device) === name) return;
    this.devCache.set(device, name);
    this.publish(FLAG.call, 'DeviceStateChange', [
      ['Device', device],
      ['State', name],
    ]);
    for (const listener of this.deviceListeners) listener(device, state);
  }

  onDeviceState(listener: (device: string, state: number) => void): void {
    this.deviceListeners.push(listener);
  }

  /** The state last published for a device, if any (by DS number). */
  cachedState(device: string): number | undefined {
    const name = this.devCache.get(device);
    return name === undefined ? undefined : DEVICE_STATES.indexOf(name as (typeof DEVICE_STATES)[number]);
  }

  flush(): void {
    const events = this.pending;
    this.pending = [];
    for (const e of events) this.deliver(e.flag, e.text);
  }

  /** A state known without publishing it (what a restarted Asterisk reloads from its astdb before anyone connects). */
  prime(device: string, state: number): void {
    this.devCache.set(device, DEVICE_STATES[state] ?? 'UNKNOWN');
  }

  /** A restarted Asterisk has published nothing yet. */
  reset(): void {
    this.devCache.clear();
    this.pending = [];
  }
}

/** The fields of a QueueMember* event, in Asterisk's order. */
export function memberBlob(m: Member): Array<[string, string]> {
  return [
    ['Queue', m.queue.name],
    ['MemberName', m.memberName],
    ['Interface', m.interface],
    ['StateInterface', m.stateInterface],
    ['Membership', 'dynamic'],
    ['Penalty', String(m.penalty)],
    ['CallsTaken', String(m.callsTaken)],
    ['LastCall', String(m.lastCall)],
    ['LastPause', String(m.lastPause)],
    ['LoginTime', String(m.loginTime)],
    ['InCall', m.inCall ? '1' : '0'],
    ['Status', String(m.status)],
    ['Paused', m.paused ? '1' : '0'],
    ['PausedReason', m.reason],
    ['Ringinuse', m.ringinuse ? '1' : '0'],
    ['Wrapuptime', String(m.wrapuptime)],
  ];
}

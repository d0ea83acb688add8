/**
 * Device states beyond queue members: func_devstate.c's `Custom:` devices (written with
 * `DEVICE_STATE(Custom:…)`, kept in the astdb family `CustomDevstate`), the state any device is in,
 * and the dialplan hints that watch them.
 *
 * Custom device states survive a restart, as on the real Asterisk (21b-device-state-cli.txt:
 * `/CustomDevstate/agentgate-2001 : NOT_INUSE`): func_devstate reloads them from the astdb at boot,
 * before any AMI session exists. A restart with a fresh astdb (a new install, a container whose
 * /var/lib/asterisk was not kept) starts with none.
 */
import { DS, devstateVal } from './devices.js';
import type { EventQueue } from './events.js';
import { type HintSpec, Hints } from './hints.js';
import type { Queues } from './queues.js';

const CUSTOM = 'custom:';

export class DeviceStates {
  readonly hints: Hints;
  /** The astdb's CustomDevstate family: device (lower case) → the device as written and its state. */
  private readonly astdb = new Map<string, { device: string; state: number }>();

  constructor(
    private readonly queues: Queues,
    private readonly events: EventQueue,
    hints: readonly HintSpec[],
    private readonly defaultState: number,
  ) {
    this.hints = new Hints(events, (d) => this.stateOf(d), hints);
    events.onDeviceState((device, state) => {
      if (device.toLowerCase().startsWith(CUSTOM)) this.astdb.set(device.toLowerCase(), { device, state });
      this.hints.deviceChanged(device);
    });
  }

  /** ast_device_state(): a Custom: device nobody set is UNKNOWN; another unknown device has the simulator's default. */
  stateOf(device: string): number {
    const s = this.queues.deviceState(device) ?? this.events.cachedState(device);
    if (s !== undefined) return s;
    return device.toLowerCase().startsWith(CUSTOM) ? DS.UNKNOWN : this.defaultState;
  }

  /**
   * func_devstate.c devstate_write(): only `Custom:<name>` devices, only a known state (UNKNOWN and
   * any other text are refused). False when refused.
   */
  writeCustom(device: string, value: string): boolean {
    if (!device.toLowerCase().startsWith(CUSTOM)) return false;
    const name = device.slice(CUSTOM.length);
    const state = devstateVal(value);
    if (name === '' || state === DS.UNKNOWN) return false;
    this.queues.setDeviceState(`Custom:${name}`, state);
    return true;
  }

  /** After the event queue was reset by a restart: the astdb is reloaded (or lost), pattern-made hints are gone. */
  restart(freshAstdb: boolean): void {
    for (const { device, state } of this.astdb.values()) {
      if (freshAstdb) this.queues.forgetDeviceState(device);
      else this.events.prime(device, state);
    }
    if (freshAstdb) this.astdb.clear();
    this.hints.restart();
  }
}

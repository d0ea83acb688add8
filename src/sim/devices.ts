/** Asterisk device states (devicestate.h), by name and by number. */

export type DeviceStateName =
  | 'UNKNOWN'
  | 'NOT_INUSE'
  | 'INUSE'
  | 'BUSY'
  | 'INVALID'
  | 'UNAVAILABLE'
  | 'RINGING'
  | 'RINGINUSE'
  | 'ONHOLD';

export const DEVICE_STATES: readonly DeviceStateName[] = [
  'UNKNOWN',
  'NOT_INUSE',
  'INUSE',
  'BUSY',
  'INVALID',
  'UNAVAILABLE',
  'RINGING',
  'RINGINUSE',
  'ONHOLD',
];
export const DS = { UNKNOWN: 0, NOT_INUSE: 1, INUSE: 2, BUSY: 3, INVALID: 4, UNAVAILABLE: 5, RINGING: 6, RINGINUSE: 7, ONHOLD: 8 };

/** The device a state interface answers to (app_queue.c device_state_cb trims Local/x@ctx/n to Local/x@ctx). */
export function deviceKey(stateInterface: string): string {
  let dev = stateInterface;
  if (/^local\//i.test(dev)) {
    const second = dev.indexOf('/', 6);
    if (second >= 0) dev = dev.slice(0, second);
  }
  return dev.toLowerCase();
}

export function toDeviceState(state: DeviceStateName | number): number {
  if (typeof state === 'number') return state;
  const n = DEVICE_STATES.indexOf(state.toUpperCase() as DeviceStateName);
  if (n < 0) throw new Error(`unknown device state ${state}`);
  return n;
}

/** devicestate.c ast_devstate_val(): a state by name, in any case; any other text is UNKNOWN. */
export function devstateVal(name: string): number {
  const n = DEVICE_STATES.indexOf(name.toUpperCase() as DeviceStateName);
  return n < 0 ? DS.UNKNOWN : n;
}

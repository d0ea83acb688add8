/**
 * manager.c's Setvar, Getvar, ExtensionState and ExtensionStateList, as 21-device-state-lamps.txt
 * shows them: without a Channel, Setvar/Getvar of `DEVICE_STATE(Custom:…)` write and read a custom
 * device state, any other name a global variable. There are no channels here: a Channel header
 * always answers `No such channel`. (ExtensionState of an extension without a hint answers
 * `Status: -1`, `StatusText: Unknown` and an empty `Hint:`: from pbx.c, not captured.)
 */
import type { DeviceStates } from './device-states.js';
import { DEVICE_STATES } from './devices.js';
import { extensionStateText } from './hints.js';
import { idLine, listComplete, type Message, response } from './protocol.js';

export interface DeviceStateDeps {
  devices: DeviceStates;
  /** Global dialplan variables (Setvar/Getvar of a plain name without a Channel). */
  globals: Map<string, string>;
}

type DeviceStateAction = (deps: DeviceStateDeps, m: Message, out: string[]) => void;

/** `DEVICE_STATE(<device>)`, the function name in any case (ast_custom_function_find is case-insensitive). */
function deviceStateArg(variable: string): string | undefined {
  const match = /^DEVICE_STATE\((.*)\)$/i.exec(variable);
  return match ? match[1] : undefined;
}

function setvar(deps: DeviceStateDeps, m: Message, out: string[]): void {
  const variable = m.get('Variable');
  if (variable === '') return void out.push(response(m, 'Error', 'No variable specified'));
  if (m.get('Channel') !== '') return void out.push(response(m, 'Error', 'No such channel'));
  let ok: boolean;
  const device = deviceStateArg(variable);
  if (device !== undefined) ok = deps.devices.writeCustom(device, m.get('Value'));
  else if (variable.endsWith(')')) ok = false; // a function this Asterisk does not have
  else {
    deps.globals.set(variable, m.get('Value'));
    ok = true;
  }
  out.push(ok ? response(m, 'Success', 'Variable Set') : response(m, 'Error', 'Variable not set'));
}

function getvar(deps: DeviceStateDeps, m: Message, out: string[]): void {
  const variable = m.get('Variable');
  if (variable === '') return void out.push(response(m, 'Error', 'No variable specified'));
  if (m.get('Channel') !== '') return void out.push(response(m, 'Error', 'No such channel'));
  const device = deviceStateArg(variable);
  let value = '';
  if (device !== undefined) value = DEVICE_STATES[deps.devices.stateOf(device)] ?? 'UNKNOWN';
  else if (!variable.endsWith(')')) value = deps.globals.get(variable) ?? '';
  out.push(`Response: Success\r\n${idLine(m)}Variable: ${variable}\r\nValue: ${value}\r\n\r\n`);
}

function extensionState(deps: DeviceStateDeps, m: Message, out: string[]): void {
  const exten = m.get('Exten');
  if (exten === '') return void out.push(response(m, 'Error', 'Extension not specified'));
  const context = m.get('Context') || 'default';
  const hint = deps.devices.hints.lookup(context, exten);
  const status = hint ? deps.devices.hints.stateNow(hint) : -1;
  out.push(
    `Response: Success\r\n${idLine(m)}Message: Extension Status\r\n` +
      `Exten: ${exten}\r\nContext: ${context}\r\nHint: ${hint?.hint ?? ''}\r\n` +
      `Status: ${status}\r\nStatusText: ${extensionStateText(status)}\r\n\r\n`,
  );
}

function extensionStateList(deps: DeviceStateDeps, m: Message, out: string[]): void {
  out.push(response(m, 'Success', 'Extension Statuses will follow', 'start'));
  const hints = deps.devices.hints.list();
  for (const h of hints) {
    out.push(
      `Event: ExtensionStatus\r\n${idLine(m)}Exten: ${h.exten}\r\nContext: ${h.context}\r\nHint: ${h.hint}\r\n` +
        `Status: ${h.laststate}\r\nStatusText: ${extensionStateText(h.laststate)}\r\n\r\n`,
    );
  }
  out.push(listComplete(m, 'ExtensionStateListComplete', hints.length));
}

/** By lower-cased Action name. */
export const deviceStateActions: ReadonlyMap<string, DeviceStateAction> = new Map([
  ['setvar', setvar],
  ['getvar', getvar],
  ['extensionstate', extensionState],
  ['extensionstatelist', extensionStateList],
]);

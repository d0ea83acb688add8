/**
 * The write class (manager.conf `write =`) an action needs, as Asterisk registers it
 * (ast_manager_register_xml: app_queue's QueueAdd/Remove/Pause `agent`, QueueStatus/Summary none;
 * manager.c's Setvar `call`, Getvar/ExtensionState/ExtensionStateList `call,reporting`,
 * CoreShowChannels `system,reporting`, Command `command`; res_pjsip's PJSIPShowEndpoints `system`). An action
 * not listed needs none. Without it manager.c answers `Permission denied`.
 */
import { stringsToMask } from './protocol.js';

const AGENT = stringsToMask('agent');
const CALL = stringsToMask('call');
const CALL_REPORTING = stringsToMask('call,reporting');
const SYSTEM_REPORTING = stringsToMask('system,reporting');
const SYSTEM = stringsToMask('system');
const COMMAND = stringsToMask('command');

const AUTHORITY: ReadonlyMap<string, number> = new Map([
  ['queueadd', AGENT],
  ['queueremove', AGENT],
  ['queuepause', AGENT],
  ['setvar', CALL],
  ['getvar', CALL_REPORTING],
  ['extensionstate', CALL_REPORTING],
  ['extensionstatelist', CALL_REPORTING],
  ['coreshowchannels', SYSTEM_REPORTING],
  ['command', COMMAND],
  ['pjsipshowendpoints', SYSTEM],
]);

/** manager.c process_message(): `(writeperm & authority) || authority == 0`. `action` in lower case. */
export function permitted(writePermission: number, action: string): boolean {
  const authority = AUTHORITY.get(action) ?? 0;
  return authority === 0 || (writePermission & authority) !== 0;
}

/**
 * res_pjsip's PJSIPShowEndpoints (pjsip_configuration.c ami_show_endpoints, format_ami_endpoints),
 * as 22-pjsip-endpoints.txt shows it: one EndpointList event per endpoint, sorted by name, a
 * `Contacts:` line per AOR (none when the endpoint has no AOR), then EndpointListComplete.
 * Without endpoints Asterisk answers an error whose text ends in a bare LF (the source's
 * "No endpoints found\n"; not captured).
 */
import { idLine, listComplete, type Message, response } from './protocol.js';

export interface SimEndpoint {
  name: string;
  /** Comma-separated AOR names; default: the endpoint's name. '' = none. */
  aors?: string;
  /** Default: the endpoint's name. */
  auths?: string;
  transport?: string;
  /** Registered contacts as `<aor>/<uri>`, e.g. `2001/sip:2001@127.0.0.1:5071;ob`. */
  contacts?: string[];
  /** Default `Unavailable` (nothing registered), `Not in use` when a contact is given. */
  deviceState?: string;
  activeChannels?: number;
}

export function pjsipShowEndpoints(endpoints: readonly SimEndpoint[], m: Message, out: string[]): void {
  if (endpoints.length === 0) return void out.push(response(m, 'Error', 'No endpoints found\n'));
  out.push(response(m, 'Success', 'A listing of Endpoints follows, presented as EndpointList events', 'start'));
  const sorted = [...endpoints].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of sorted) {
    const aors = e.aors ?? e.name;
    const contacts = e.contacts ?? [];
    let text = `Event: EndpointList\r\n${idLine(m)}ObjectType: endpoint\r\nObjectName: ${e.name}\r\n`;
    text += `Transport: ${e.transport ?? ''}\r\nAor: ${aors}\r\nAuths: ${e.auths ?? e.name}\r\nOutboundAuths: \r\n`;
    for (const aor of aors.split(',').filter((a) => a !== '')) {
      text += `Contacts: ${contacts.filter((c) => c.startsWith(`${aor}/`)).map((c) => `${c},`).join('')}\r\n`;
    }
    const state = e.deviceState ?? (contacts.length ? 'Not in use' : 'Unavailable');
    text += `DeviceState: ${state}\r\nActiveChannels: ${e.activeChannels ?? 0}\r\n\r\n`;
    out.push(text);
  }
  out.push(listComplete(m, 'EndpointListComplete', sorted.length));
}

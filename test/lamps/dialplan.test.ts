import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AmiSocket } from '../../src/ami/socket.js';
import type { AmiMessage } from '../../src/ami/framer.js';
import { lampDevice } from '../../src/lamps/state.js';
import { SHIPPED_HINTS, expand, matches } from '../../src/sim/hints.js';
import { dialplanContexts } from '../support/dialplan.js';
import { type Harness, startHarness, until } from '../support/harness.js';
import { call } from '../http/call.js';

const features = dialplanContexts().get('agentgate-features') ?? [];

test('the shipped dialplan has the lamp hints the simulated Asterisk is built with', () => {
  const hints = features.flatMap((l) => {
    const m = /^exten => ([^,]+),hint,(.+)$/.exec(l);
    return m ? [{ context: 'agentgate-features', exten: m[1], hint: m[2] }] : [];
  });
  assert.deepEqual(hints, SHIPPED_HINTS);
});

test('every *55<extension> a key subscribes to watches that extension’s lamp; *5 alone or *55 watch nothing', () => {
  for (const exten of ['1', '2001', '123456']) {
    const dialed = `*55${exten}`;
    const hint = SHIPPED_HINTS.find((h) => matches(h.exten, dialed));
    assert.equal(hint && expand(hint.hint, dialed), lampDevice(exten), dialed);
  }
  assert.equal(SHIPPED_HINTS.find((h) => matches(h.exten, '*55')), undefined);
});

test('*55 and *55<extension> run the toggle script, with the extension dialed', () => {
  const agiAfter = (exten: string) => {
    const i = features.findIndex((l) => l.startsWith(`exten => ${exten},1,`));
    assert.ok(i >= 0, `a route for ${exten}`);
    return features.slice(i + 1).find((l) => l.includes('AGI('));
  };
  assert.equal(agiAfter('*55'), ' same => n,AGI(${AGENTGATE_AGI}/toggle)');
  assert.equal(agiAfter('_*55X'), ' same => n,AGI(${AGENTGATE_AGI}/toggle?exten=${EXTEN:3})');
  assert.equal(agiAfter('_*55X.'), ' same => n,AGI(${AGENTGATE_AGI}/toggle?exten=${EXTEN:3})');
});

let h: Harness;
let watcher: AmiSocket;
const seen: AmiMessage[] = [];
before(async () => {
  h = await startHarness();
  // What a phone's BLF subscription amounts to in Asterisk: a watcher of the hint *552001.
  watcher = new AmiSocket();
  watcher.on('event', (e: AmiMessage) => seen.push(e));
  await watcher.connect('agentgate', 'test-secret', { host: '127.0.0.1', port: h.sim.port, signal: new AbortController().signal });
});
after(async () => {
  watcher.disconnect();
  await h.close();
});

test('a key subscribed to *552001 sees the agent on 2001 log in (Idle), pause (InUse) and log off (Unavailable)', async () => {
  const first = await watcher.action({ Action: 'ExtensionState', ActionID: 'sub', Exten: '*552001', Context: 'agentgate-features' });
  assert.deepEqual([first.Hint, first.StatusText], ['Custom:agentgate-2001', 'Idle'], 'never set: Idle, as on the real Asterisk');
  const statuses = () => seen.filter((e) => e.Event === 'ExtensionStatus' && e.Exten === '*552001').map((e) => e.StatusText);
  const api = (params: Record<string, string>) => call(h.http, 'GET', params);
  await api({ command: 'login', agent: '1001', exten: '2001', queue: 'support' });
  await api({ command: 'pause', agent: '1001' });
  await api({ command: 'logoff', agent: '1001' });
  await until(() => statuses().length >= 3, 'three states of the hint');
  // The first is the hint's own, published when the look-up created it; the login leaves it Idle.
  assert.deepEqual(statuses(), ['Idle', 'InUse', 'Unavailable']);
});

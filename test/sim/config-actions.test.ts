import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FIXTURES, Raw, replay } from '../support/ami-raw.js';
import { SimAsterisk } from '../support/asterisk.js';

/** The endpoints of 22-pjsip-endpoints.txt: 2001 registered, 2002-2006 not, `watch` with no AOR or auth. */
const CAPTURED = [
  { name: '2001', contacts: ['2001/sip:2001@127.0.0.1:5071;ob'] },
  ...['2002', '2003', '2004', '2005', '2006'].map((name) => ({ name })),
  { name: 'watch', aors: '', auths: '' },
];

/** The lines of the Command answer whose ActionID is `id`, as the Output headers carry them. */
function outputOf(c: Raw, id: string): { response: string; lines: string[] } {
  const text = c.data;
  const at = text.indexOf(`ActionID: ${id}\r\n`);
  const block = text.slice(text.lastIndexOf('Response: ', at), text.indexOf('\r\n\r\n', at));
  const lines = block.split('\r\n').filter((l) => l.startsWith('Output: ')).map((l) => l.slice('Output: '.length));
  return { response: /^Response: (\w+)/.exec(block)?.[1] ?? '', lines };
}

describe('what a health check and an import read: PJSIPShowEndpoints and Command', () => {
  let sim: SimAsterisk;
  const open: Raw[] = [];
  before(async () => {
    sim = await SimAsterisk.start({ username: 'agentapi', secret: 'agentapi', endpoints: CAPTURED });
  });
  after(async () => {
    for (const c of open) c.destroy();
    await sim.close();
  });

  async function client(): Promise<Raw> {
    const c = await Raw.connect(sim.port);
    open.push(c);
    await c.waitMessages(1);
    assert.equal((await c.login('agentapi', 'agentapi', 'off')).Message, 'Authentication accepted');
    return c;
  }

  test('22-pjsip-endpoints.txt: the PJSIPShowEndpoints answer, byte for byte', async () => {
    await replay(sim, '22-pjsip-endpoints.txt', [], 5);
  });

  test('PJSIPShowEndpoints needs write = system; without endpoints res_pjsip answers an error', async () => {
    sim.write = 'agent,call';
    try {
      const c = await client();
      assert.deepEqual(await c.action({ Action: 'PJSIPShowEndpoints', ActionID: 'p1' }), { Response: 'Error', ActionID: 'p1', Message: 'Permission denied' });
    } finally {
      sim.write = 'all';
    }
    const saved = sim.endpoints;
    sim.endpoints = [];
    try {
      const c = await client();
      await c.action({ Action: 'PJSIPShowEndpoints', ActionID: 'p2' });
      assert.match(c.data, /Response: Error\r\nActionID: p2\r\nMessage: No endpoints found\n\r\n\r\n/);
    } finally {
      sim.endpoints = saved;
    }
  });

  test('20-command-action.txt: core show version, and an unknown command answers Error with its Output', async () => {
    const capture = readFileSync(join(FIXTURES, '20-command-action.txt'), 'latin1');
    const c = await client();
    for (const [id, cmd] of [['cmd-2', 'core show version'], ['cmd-3', 'no such cli command']] as const) {
      await c.action({ Action: 'Command', ActionID: id, Command: cmd });
      const want = new RegExp(`Response: \\w+\r\nActionID: ${id}\r\n[^]*?\r\n\r\n`).exec(capture)?.[0];
      assert.ok(want && c.data.includes(want), `${id}: ${JSON.stringify(want)}`);
    }
  });

  test("dialplan show: pbx.c's layout of 21b-device-state-cli.txt, from the configuration text", async () => {
    const cli = readFileSync(join(FIXTURES, '21b-device-state-cli.txt'), 'latin1');
    // the capture's lines 25-28 of extensions.conf (fixtures README), at the same line numbers
    const conf = `${'\n'.repeat(23)}[agentgate-lamps]\nexten => *512001,hint,Custom:agentgate-2001\nexten => _*51XXXX,hint,Custom:agentgate-\${EXTEN:3}\n same => 1,Answer()\n same => n,Hangup()\n`;
    const saved = sim.dialplan;
    sim.dialplan = conf;
    try {
      const c = await client();
      await c.action({ Action: 'Command', ActionID: 'd1', Command: 'dialplan show agentgate-lamps' });
      const got = outputOf(c, 'd1');
      assert.equal(got.response, 'Success');
      const shown = got.lines.map((l) => l.replace('[agentgate.conf:', '[extensions.conf:'));
      assert.equal(shown.length, 7);
      for (const line of shown.slice(0, -1)) assert.ok(cli.includes(`${line}\n`), `not in the capture: ${JSON.stringify(line)}`);
      // the capture also lists *512002, made from the pattern by a look-up (not modelled here)
      assert.equal(shown.at(-1), '-= 2 extensions (4 priorities) in 1 context. =-');
      await c.action({ Action: 'Command', ActionID: 'd2', Command: 'dialplan show nosuch' });
      assert.deepEqual(outputOf(c, 'd2'), { response: 'Error', lines: ["There is no existence of 'nosuch' context"] });
    } finally {
      sim.dialplan = saved;
    }
  });

  test('the shipped dialplan is loaded by default: agentgate-features has *50 to *55', async () => {
    const c = await client();
    await c.action({ Action: 'Command', ActionID: 'f1', Command: 'dialplan show agentgate-features' });
    const extens = outputOf(c, 'f1').lines.flatMap((l) => /^  '([^']+)' =>/.exec(l)?.[1] ?? []);
    for (const code of ['*50', '*51', '*52', '*53', '*54', '*55', '_*55X.']) assert.ok(extens.includes(code), code);
  });

  test('Command needs write = command', async () => {
    sim.write = 'agent,call,reporting';
    try {
      const c = await client();
      assert.equal((await c.action({ Action: 'Command', ActionID: 'c1', Command: 'core show version' })).Message, 'Permission denied');
    } finally {
      sim.write = 'all';
    }
  });
});

import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, test } from 'node:test';
import { AmiPbx } from '../../src/ami/client.js';
import { AmiFramer, type AmiMessage } from '../../src/ami/framer.js';
import { nextConnect, quietLog } from '../support/harness.js';

// Why our own framer (asterisk-ami-client was replaced): that library re-pipes the socket after the
// login answer, so bytes that arrive in the same chunk are lost and a message split across that
// point is misread; and it gives up on every action after 10 s, whatever timeout is asked.

const CRLF = '\r\n';
const msg = (h: Record<string, string>) => `${Object.entries(h).map(([k, v]) => `${k}: ${v}`).join(CRLF)}${CRLF}${CRLF}`;

/** A bare AMI server that answers Login, then replies to each action as `answer` says, with its own chunking. */
async function bareAsterisk(answer: (action: AmiMessage, write: (text: string) => void) => void): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.write(`Asterisk Call Manager/11.0.0${CRLF}`);
    const framer = new AmiFramer((a) => answer(a, (text) => s.write(text)));
    s.on('data', (c) => framer.push(c));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('AMI framing', () => {
  test('split anywhere, even inside a UTF-8 character, every message comes out whole', () => {
    const text = `Asterisk Call Manager/11.0.0${CRLF}${msg({ Response: 'Success', ActionID: 'a' })}${msg({ Event: 'QueueMemberPause', PausedReason: 'Reunião' })}`;
    const bytes = Buffer.from(text, 'utf8');
    const out: AmiMessage[] = [];
    const f = new AmiFramer((m) => out.push(m), () => undefined);
    for (const b of bytes) f.push(Buffer.from([b]));
    assert.deepEqual(out, [{ Response: 'Success', ActionID: 'a' }, { Event: 'QueueMemberPause', PausedReason: 'Reunião' }]);
  });

  test('events in the same chunk as the login answer, and one split across it, reach the wrapper', async () => {
    const pause = msg({ Event: 'QueueMemberPause', Queue: 'support', Interface: 'PJSIP/2001', Paused: '1', PausedReason: 'Almoco' });
    const asterisk = await bareAsterisk((a, write) => {
      if (a.Action === 'Login') {
        // the answer, one whole event and the first half of another, in one write; the rest later
        const both = `${msg({ Response: 'Success', ActionID: a.ActionID ?? '', Message: 'Authentication accepted' })}${pause}${pause.slice(0, 30)}`;
        write(both);
        setTimeout(() => write(pause.slice(30)), 20);
      } else setTimeout(() => write(msg({ Response: 'Success', ActionID: a.ActionID ?? '' })), 60); // after the rest of the split event
    });
    const pbx = new AmiPbx({ host: '127.0.0.1', port: asterisk.port, username: 'u', secret: 's', timeoutMs: 1000, logger: quietLog });
    const seen: string[] = [];
    pbx.on('member', (e) => seen.push(`${e.kind} ${e.member.queue} ${e.member.reason}`));
    try {
      const up = nextConnect(pbx);
      pbx.start();
      await up;
      for (let i = 0; i < 100 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(seen, ['paused support Almoco', 'paused support Almoco']);
    } finally {
      await pbx.close();
      await asterisk.close();
    }
  });

  test('an action may take longer than 10 s when AMI_TIMEOUT_MS allows it', async () => {
    const asterisk = await bareAsterisk((a, write) => {
      const answer = msg({ Response: 'Success', ActionID: a.ActionID ?? '', Message: 'Added interface to queue' });
      if (a.Action === 'QueueAdd') setTimeout(() => write(answer), 10_500);
      else write(answer);
    });
    const pbx = new AmiPbx({ host: '127.0.0.1', port: asterisk.port, username: 'u', secret: 's', timeoutMs: 15_000, heartbeatMs: 60_000, logger: quietLog });
    try {
      const up = nextConnect(pbx);
      pbx.start();
      await up;
      await pbx.queueAdd({ queue: 'support', interface: 'PJSIP/2001', memberName: 'Maria' });
    } finally {
      await pbx.close();
      await asterisk.close();
    }
  });
});

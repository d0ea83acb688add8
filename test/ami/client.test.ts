import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AmiPbx } from '../../src/ami/client.js';
import { PbxBadValue, PbxRefused, PbxUnavailable } from '../../src/ami/pbx.js';
import { SimAsterisk } from '../support/asterisk.js';
import { nextConnect, quietLog } from '../support/harness.js';

let sim: SimAsterisk;
before(async () => {
  sim = await SimAsterisk.start({ username: 'agentgate', secret: 'pw' });
});
after(async () => sim.close());

function client(opts: Partial<ConstructorParameters<typeof AmiPbx>[0]> = {}): AmiPbx {
  return new AmiPbx({ host: '127.0.0.1', port: sim.port, username: 'agentgate', secret: 'pw', timeoutMs: 300, logger: quietLog, backoffMinMs: 20, backoffMaxMs: 100, ...opts });
}

async function connected(pbx: AmiPbx): Promise<AmiPbx> {
  const up = nextConnect(pbx);
  pbx.start();
  await up;
  return pbx;
}

describe('the AMI wrapper', () => {
  test('100 concurrent actions each get their own answer (our own unique ActionIDs)', async () => {
    // the point is which answer each gets, not how fast: no action may time out on a loaded machine
    const pbx = await connected(client({ timeoutMs: 10_000 }));
    try {
      const ifaces = Array.from({ length: 100 }, (_, i) => `PJSIP/${7000 + i}`);
      const results = await Promise.allSettled(
        ifaces.map((iface, i) => (i % 2 ? pbx.queueAdd({ queue: 'support', interface: iface, memberName: iface }) : pbx.queueAdd({ queue: 'nosuch', interface: iface, memberName: iface }))),
      );
      results.forEach((r, i) => {
        if (i % 2) assert.equal(r.status, 'fulfilled', `action ${i}`);
        else assert.ok(r.status === 'rejected' && r.reason instanceof PbxRefused && /No such queue/.test(r.reason.message), `action ${i}`);
      });
      const ids = sim.actionsOf('QueueAdd').map((a) => a.ActionID);
      assert.equal(new Set(ids).size, ids.length);
      const status = await pbx.queueStatus('support');
      assert.equal(status.length, 50);
      for (const iface of ifaces.filter((_, i) => i % 2)) await pbx.queueRemove('support', iface);
    } finally {
      await pbx.close();
    }
  });

  test('a CR or LF in any value is refused before anything is written', async () => {
    const pbx = await connected(client());
    try {
      const before = sim.actions.length;
      await assert.rejects(pbx.queuePause('PJSIP/2001', true, 'lunch\r\n\r\nAction: Logoff'), PbxBadValue);
      await assert.rejects(pbx.queueAdd({ queue: 'support', interface: 'PJSIP/2001\nX', memberName: 'a' }), PbxBadValue);
      assert.equal(sim.actions.length, before, 'nothing reached Asterisk');
      assert.ok(pbx.isConnected());
    } finally {
      await pbx.close();
    }
  });

  test('while disconnected actions fail at once; it reconnects by itself', async () => {
    const pbx = await connected(client({ timeoutMs: 5000 }));
    try {
      const back = nextConnect(pbx);
      sim.dropConnections();
      for (let i = 0; i < 6000 && pbx.isConnected(); i++) await sleep(10);
      const started = Date.now();
      await assert.rejects(pbx.queueStatus(), (e: Error) => e instanceof PbxUnavailable && !e.uncertain);
      assert.ok(Date.now() - started < 2500, 'did not wait for the 5 s timeout');
      await back;
      assert.ok(pbx.isConnected());
    } finally {
      await pbx.close();
    }
  });

  test('an unanswered action times out after timeoutMs and is marked uncertain', async () => {
    const pbx = await connected(client());
    try {
      sim.mode = 'silent';
      const started = Date.now();
      await assert.rejects(pbx.queuePause('PJSIP/2001', true), (e: Error) => e instanceof PbxUnavailable && e.uncertain && e.sent?.action === 'QueuePause');
      assert.ok(Date.now() - started >= 280);
    } finally {
      sim.mode = 'normal';
      await pbx.close();
    }
  });

  test('the heartbeat notices a silent Asterisk and forces a reconnect', async () => {
    const pbx = await connected(client({ heartbeatMs: 50, timeoutMs: 100 }));
    try {
      const down = new Promise<string>((resolve) => pbx.once('disconnected', resolve));
      sim.mode = 'silent';
      assert.equal(await down, 'heartbeat failed');
      sim.mode = 'normal';
      await nextConnect(pbx);
    } finally {
      sim.mode = 'normal';
      await pbx.close();
    }
  });

  test('a wrong secret never connects and keeps trying, without crashing', async () => {
    const pbx = client({ secret: 'wrong' });
    let ups = 0;
    pbx.on('connected', () => ups++);
    pbx.start();
    await sleep(300);
    assert.equal(ups, 0);
    assert.ok(sim.actionsOf('Login').filter((a) => a.Secret === 'wrong').length >= 2, 'retried');
    await pbx.close();
  });

  test('events for members arrive as typed member events, in order', async () => {
    const pbx = await connected(client());
    try {
      const seen: Array<{ kind: string; paused: boolean }> = [];
      pbx.on('member', (e) => seen.push({ kind: e.kind, paused: e.member.paused }));
      await pbx.queueAdd({ queue: 'support', interface: 'PJSIP/2001', memberName: 'Maria' });
      sim.externalPause('PJSIP/2001', true, 'Supervisor');
      await pbx.queueRemove('support', 'PJSIP/2001');
      for (let i = 0; i < 200 && seen.length < 3; i++) await sleep(10);
      assert.deepEqual(seen, [
        { kind: 'added', paused: false },
        { kind: 'paused', paused: true },
        { kind: 'removed', paused: true },
      ]);
    } finally {
      await pbx.close();
    }
  });
});

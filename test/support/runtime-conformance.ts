/**
 * One conformance suite for every lab runtime (process, sim, docker): each
 * runtime's test file calls `runtimeConformance(name, create)`. It checks what the
 * orchestrator relies on, through the Runtime interface and the control API only.
 */
import { describe, expect, it } from 'vitest';
import type { PeerEvent } from '../../peer/events.js';
import type { PeerSpec, Runtime, StartedPeer } from '../../lab/runtimes/runtime.js';
import { STEP_KINDS } from '../../lab/scenario/steps.js';

const SETTINGS = { announceIntervalMs: 200, expireAfterMs: 2000, keepaliveMs: 500 };

/**
 * Resolves once `already()` says so (asked after subscribing, so nothing falls between)
 * or an event of `peer` matches; rejects after `ms`.
 */
async function eventually(peer: StartedPeer, already: () => Promise<boolean>, match: (e: PeerEvent) => boolean, ms: number, what: string): Promise<void> {
  let close = () => {};
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${peer.name}: no ${what} within ${ms} ms`)), ms);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      const sub = peer.control.subscribe((e) => match(e) && done());
      close = () => sub.close();
      sub.ready.then(already).then((yes) => yes && done(), reject);
    });
  } finally {
    close();
  }
}

/** Until `peer` lists `otherId` (ListPeers, then its peer_up events); rejects after `ms`. */
function waitUntilSees(peer: StartedPeer, otherId: string, ms: number): Promise<void> {
  return eventually(
    peer,
    async () => (await peer.control.listPeers()).some((p) => p.id === otherId),
    (e) => e.type === 'peer_up' && e.peerId === otherId,
    ms,
    `sight of ${otherId.slice(0, 8)}`,
  );
}

/** A variant of a runtime under test: a label for the suite, and what every peer spec adds. */
export interface ConformanceVariant {
  label: string;
  spec: Partial<PeerSpec>;
}

/** Defines the suite for the runtime `create` makes (named `name`), optionally for a variant of its peers. */
export function runtimeConformance(name: string, create: () => Promise<Runtime>, variant?: ConformanceVariant): void {
  const specOf = (peerName: string): PeerSpec => ({ name: peerName, settings: SETTINGS, ...variant?.spec });
  describe(`runtime conformance: ${variant ? `${name} (${variant.label})` : name}`, () => {
    it('starts peers that answer their control API, see each other and report resources', async () => {
      await using runtime = await create();
      expect(runtime.name).toBe(name);
      const [a, b] = await Promise.all([runtime.start(specOf('p0')), runtime.start(specOf('p1'))]);
      expect((await a.control.whoami()).id).toBe(a.id);
      expect((await b.control.whoami()).name).toBe('p1');
      await Promise.all([waitUntilSees(a, b.id, 10_000), waitUntilSees(b, a.id, 10_000)]);
      if (runtime.unsampled) {
        // A runtime that cannot measure a peer on its own (the simulator) says why instead of inventing numbers.
        await expect(a.sample()).rejects.toThrow(runtime.unsampled);
        return;
      }
      const first = await a.sample();
      const second = await a.sample();
      for (const s of [first, second]) {
        expect(s.rssBytes).toBeGreaterThan(1024 * 1024);
        expect(s.heapUsedBytes).toBeGreaterThan(0);
      }
      // CPU is a rate between two readings: the second sample has one (the first may not).
      expect(second.cpuPercent).toBeGreaterThanOrEqual(0);
    });

    it('kills, stops and restarts a peer with the same identity, and its messages still arrive', async () => {
      await using runtime = await create();
      const a = await runtime.start(specOf('p0'));
      let b = await runtime.start(specOf('p1'));
      await waitUntilSees(a, b.id, 10_000);
      const id = b.id;
      const killed = await b.kill();
      const exit = await b.exited;
      expect(exit.signal !== null || exit.code !== 0).toBe(true);
      // Sent while the recipient is down: waits in the sender's outbox.
      const { messageId } = await a.control.send(id, 'while you were down');
      b = await killed.start();
      expect(b.id).toBe(id);
      const restarted = b;
      await eventually(
        restarted,
        async () => (await restarted.control.history(a.id)).some((h) => h.messageId === messageId),
        (e) => e.type === 'message' && e.messageId === messageId,
        15_000,
        'the queued message',
      );
      const stopped = await b.stop();
      await b.exited;
      b = await stopped.start();
      expect(b.id).toBe(id);
      b = await b.restart();
      expect((await b.control.whoami()).id).toBe(id);
    });

    it('pauses and unpauses a peer, and close() ends every peer it started', async () => {
      const runtime = await create();
      const a = await runtime.start(specOf('p0'));
      await a.pause();
      await a.unpause();
      expect((await a.control.whoami()).id).toBe(a.id);
      await runtime.close();
      await expect(a.exited).resolves.toBeDefined();
    });

    it('says which steps it cannot do, and names how it does the faults it can', async () => {
      await using runtime = await create();
      for (const kind of STEP_KINDS) {
        const reason = runtime.unsupported(kind);
        expect(reason === undefined || reason.length > 10).toBe(true);
      }
      for (const kind of ['start', 'wait_for', 'load', 'kill', 'stop', 'restart', 'sleep'] as const) expect(runtime.unsupported(kind)).toBeUndefined();
      for (const fault of ['kill', 'stop', 'restart', 'pause', 'unpause'] as const) expect(runtime.mechanisms[fault]).toBeTruthy();
    });
  });
}

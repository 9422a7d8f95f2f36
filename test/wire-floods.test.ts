/**
 * Floods against a real peer's wire port by hand-written clients (test/attacker)
 * from addresses of their own (127.0.0.2, 127.0.0.3; every real peer lives on
 * 127.0.0.1): handshakes whose stream never comes, and connections that never
 * handshake. The peer must shed them, and real peers must not notice.
 */
import type { Socket } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartedPeerProcess } from '../lab/runtimes/process/peer-process.js';
import { buildInit } from './attacker/handshake.js';
import { connectFrom, http2From, type Http2Connection, type UnaryResult } from './attacker/http2-unary.js';
import { wireMessage } from './attacker/protos.js';
import { openSession } from './attacker/session.js';
import { newIdentity } from './attacker/wire.js';
import { createPeers, seenBy, type PeerFleet } from './support/peers.js';
import { waitFor } from './support/wait-for.js';

/** Deadline for discovery, sessions and delivery on a loaded 2-core machine. */
const WAIT_MS = 30_000;
const HANDSHAKE_TIMEOUT_MS = 2000;
const CONNECTIONS_PER_ADDRESS = 16;
/** The peer's caps (peer/limits.ts), as a client learns them from the refusals. */
const PENDING_TOTAL = 1024;
const PENDING_PER_ADDRESS = 128;
const PENDING_PER_ID = 4;

const HANDSHAKE_PATH = '/peerlab.wire.v1.PeerWire/Handshake';
const HandshakeInit = wireMessage('HandshakeInit');

let fleet: PeerFleet;
let alice: StartedPeerProcess;
let bob: StartedPeerProcess;
const peerArgs = ['--handshake-timeout', String(HANDSHAKE_TIMEOUT_MS), '--connections-per-address', String(CONNECTIONS_PER_ADDRESS)];

beforeAll(async () => {
  fleet = await createPeers(['alice', 'bob'], { extraArgs: peerArgs });
  [alice, bob] = fleet.peers as [StartedPeerProcess, StartedPeerProcess];
  await fleet.waitForMesh(WAIT_MS);
});

afterAll(async () => {
  await fleet?.[Symbol.asyncDispose]();
});

async function counter(peer: StartedPeerProcess, name: string): Promise<number> {
  return (await peer.control.stats()).counters[name] ?? 0;
}

/** A signed init for bob under a fresh identity (or the one given), encoded from wire.proto. */
function encodedInit(identity = newIdentity()): Buffer {
  return HandshakeInit.encode(buildInit(identity, bob.id, { name: 'flood', grpcPort: 1 }).init);
}

/**
 * Handshakes that never get their stream, from `from`: a burst of `burst` inits, then
 * one every few ms until stopped, so the flood lasts as long as the test needs it.
 */
async function startFlood(from: string, burst: number) {
  const port = bob.ready.grpcPort;
  let connection: Http2Connection = await http2From('127.0.0.1', port, from);
  const results: UnaryResult[] = [];
  const call = async () => {
    // A connection whose inits are all refused proves nothing, and the peer closes it: open another.
    if (connection.session.closed || connection.session.destroyed) connection = await http2From('127.0.0.1', port, from);
    results.push(await connection.unary(HANDSHAKE_PATH, encodedInit()));
  };
  for (let sent = 0; sent < burst; sent += 32) await Promise.all(Array.from({ length: Math.min(32, burst - sent) }, call));
  // Then one init per tick, skipping ticks while one is still on its way.
  let current: Promise<void> | undefined;
  const timer = setInterval(() => {
    current ??= call()
      .catch(() => undefined)
      .finally(() => (current = undefined));
  }, 5);
  return {
    results,
    async stop() {
      clearInterval(timer);
      await current;
      connection.close();
    },
  };
}

describe('a pending-handshake flood from one address', () => {
  it('is refused over the per-address cap, RESOURCE_EXHAUSTED naming the cap, while a new peer gets its session and message through', async () => {
    const refusedBefore = await counter(bob, 'handshake.refused.per_address_cap');
    // More than the whole table: without a per-address cap this alone would fill it.
    const flood = await startFlood('127.0.0.2', PENDING_TOTAL + 64);
    const burst = [...flood.results];
    let carol: StartedPeerProcess | undefined;
    try {
      // A stranger connecting at once, while the flood goes on: its handshake is answered and its message shown.
      const newcomer = newIdentity();
      const session = await openSession(`127.0.0.1:${bob.ready.grpcPort}`, newcomer, bob.id, { name: 'newcomer' });
      try {
        session.sendDirect('after-the-flood-1', 'hello through the flood');
        const shown = await bob.waitForEvent((e) => e.type === 'message' && e.messageId === 'after-the-flood-1', WAIT_MS, 'the message');
        expect(shown).toMatchObject({ fromId: newcomer.id, text: 'hello through the flood' });
        await session.waitForAck('after-the-flood-1', WAIT_MS);
      } finally {
        session.close();
      }

      // The burst came faster than entries expire (10 s): at most the per-address cap of it was answered.
      const answered = burst.filter((r) => r.code === grpc.status.OK);
      const refused = burst.filter((r) => r.code === grpc.status.RESOURCE_EXHAUSTED);
      expect(answered.length).toBeGreaterThanOrEqual(1);
      expect(answered.length).toBeLessThanOrEqual(PENDING_PER_ADDRESS);
      // The rest is refused, or cut off with its connection: one that only gets refusals has
      // not completed a handshake, and the peer closes it after the handshake timeout.
      expect(flood.results.filter((r) => ![grpc.status.OK, grpc.status.RESOURCE_EXHAUSTED, -1].includes(r.code))).toEqual([]);
      expect(refused.length).toBeGreaterThanOrEqual(1);
      expect(refused[0]!.details).toBe(`too many handshakes in progress from 127.0.0.2 (the cap is ${PENDING_PER_ADDRESS} per address); try again in a few seconds`);
      expect(await counter(bob, 'handshake.pending')).toBeGreaterThanOrEqual(PENDING_PER_ADDRESS);

      // A real peer started now finds bob and delivers, the flood still on.
      carol = await fleet.start('carol', { extraArgs: peerArgs });
      await carol.waitForEvent((e) => e.type === 'peer_up' && e.peerId === bob.id, WAIT_MS, 'carol to see bob');
      const { messageId } = await carol.control.send('bob', 'carol, during the flood');
      await bob.waitForEvent((e) => e.type === 'message' && e.messageId === messageId, WAIT_MS, "carol's message");
      await carol.waitForEvent((e) => e.type === 'delivered' && e.messageId === messageId, WAIT_MS, "carol's ack");
    } finally {
      await flood.stop();
      await carol?.stop();
    }
    const counters = (await bob.control.stats()).counters;
    expect(counters['handshake.refused.per_address_cap']! - refusedBefore).toBe(
      flood.results.filter((r) => r.code === grpc.status.RESOURCE_EXHAUSTED).length,
    );
    expect(counters['handshake.refused.global_cap'] ?? 0).toBe(0);
  });

  it('from one identity keeps at most its own cap pending, and its newest handshake still opens a session', async () => {
    const mallory = newIdentity();
    const connection = await http2From('127.0.0.1', bob.ready.grpcPort, '127.0.0.3');
    const replacedBefore = await counter(bob, 'handshake.pending_replaced.per_id_cap');
    try {
      // Replayed or fresh, inits of one id never crowd out anyone else, nor lock out the id's holder.
      const results: UnaryResult[] = [];
      for (let i = 0; i < 20; i++) results.push(await connection.unary(HANDSHAKE_PATH, encodedInit(mallory)));
      expect(results.map((r) => r.code)).toEqual(Array(20).fill(grpc.status.OK));
    } finally {
      connection.close();
    }
    expect((await counter(bob, 'handshake.pending_replaced.per_id_cap')) - replacedBefore).toBeGreaterThanOrEqual(20 - PENDING_PER_ID);
    const session = await openSession(`127.0.0.1:${bob.ready.grpcPort}`, mallory, bob.id, { name: 'mallory' });
    try {
      session.sendDirect('same-id-1', 'still me');
      await session.waitForAck('same-id-1', WAIT_MS);
    } finally {
      session.close();
    }
  });
});

/** Resolves when `socket` is closed; records the order in `order`. */
function closedInto(order: string[], label: string, socket: Socket): Promise<void> {
  // Only a socket that reads sees the other end close it.
  socket.resume();
  return new Promise((resolve) =>
    socket.once('close', () => {
      order.push(label);
      resolve();
    }),
  );
}

describe('connections that never handshake', () => {
  it('are closed after the handshake timeout, while real peers discover, dial and message', async () => {
    const closedBefore = await counter(bob, 'wire.connections.closed.handshake_timeout');
    const port = bob.ready.grpcPort;
    const order: string[] = [];
    const raw = await Promise.all(Array.from({ length: 10 }, () => connectFrom('127.0.0.1', port, '127.0.0.6')));
    const rawClosed = raw.map((socket, i) => closedInto(order, `raw ${i}`, socket));
    // HTTP/2 set up, then not a single call.
    const silent = await Promise.all(Array.from({ length: 3 }, () => http2From('127.0.0.1', port, '127.0.0.6')));
    let seeded: StartedPeerProcess | undefined;
    try {
      // Meanwhile a peer that knows bob only as a seed finds him, and alice's message arrives.
      seeded = await fleet.start('seeded', { extraArgs: [...peerArgs, '--no-multicast', '--seed', `127.0.0.1:${port}`] });
      await seeded.waitForEvent((e) => e.type === 'peer_up' && e.peerId === bob.id, WAIT_MS, 'seeded to see bob');
      await bob.waitForEvent((e) => e.type === 'peer_up' && e.peerId === seeded!.id, WAIT_MS, 'bob to see seeded');
      const { messageId } = await alice.control.send('bob', 'while idle sockets wait');
      await alice.waitForEvent((e) => e.type === 'delivered' && e.messageId === messageId, WAIT_MS, "alice's message delivered");
      // The seed keeps bob: its Exchange calls count as completed handshakes.

      let allClosed = false;
      void Promise.all([...rawClosed, ...silent.map((c) => c.closed)]).then(() => (allClosed = true));
      await waitFor(() => allClosed, WAIT_MS, 'the peer to close every idle connection', () => order);
      expect((await counter(bob, 'wire.connections.closed.handshake_timeout')) - closedBefore).toBeGreaterThanOrEqual(13);
      expect(seenBy(seeded).has(bob.id)).toBe(true);
    } finally {
      for (const socket of raw) socket.destroy();
      for (const connection of silent) connection.close();
      await seeded?.stop();
    }
  });

  it('one over the per-address cap is closed at once, the others only at the timeout', async () => {
    const refusedBefore = await counter(bob, 'wire.connections.refused.per_address_cap');
    const port = bob.ready.grpcPort;
    const order: string[] = [];
    const held = await Promise.all(Array.from({ length: CONNECTIONS_PER_ADDRESS }, () => connectFrom('127.0.0.1', port, '127.0.0.5')));
    const heldClosed = held.map((socket, i) => closedInto(order, `held ${i}`, socket));
    const extra = await connectFrom('127.0.0.1', port, '127.0.0.5');
    const extraClosed = closedInto(order, 'extra', extra);
    try {
      let done = false;
      void extraClosed.then(() => (done = true));
      await waitFor(() => done, WAIT_MS, 'the connection over the cap to be closed');
      // Closed before any of the ones within the cap, which wait out their timeout.
      expect(order).toEqual(['extra']);
      expect((await counter(bob, 'wire.connections.refused.per_address_cap')) - refusedBefore).toBe(1);
      // Another address is not affected by 127.0.0.5's count.
      const other = await http2From('127.0.0.1', port, '127.0.0.4');
      const result = await other.unary(HANDSHAKE_PATH, encodedInit());
      other.close();
      expect(result.code).toBe(grpc.status.OK);
      let allClosed = false;
      void Promise.all(heldClosed).then(() => (allClosed = true));
      await waitFor(() => allClosed, WAIT_MS, 'the held connections to time out', () => order);
      expect(order[0]).toBe('extra');
    } finally {
      for (const socket of [...held, extra]) socket.destroy();
    }
  });
});

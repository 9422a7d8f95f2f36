/**
 * The control API, end to end: two real peer processes on loopback, driven
 * through ControlClient (and a bare generated client where the token must be
 * missing), asserting what a script author would observe.
 */
import { createHash } from 'node:crypto';
import { readFile, readdir, readlink } from 'node:fs/promises';
import { connect } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlClient, type Subscription } from '../peer/control/control-client.js';
import type { PeerEvent } from '../peer/events.js';
import { ControlClient as GeneratedControlClient } from '../proto/gen/peerlab/control/v1/control.pb.js';
import type { StartedPeerProcess } from '../lab/runtimes/process/peer-process.js';
import { createPeers, type PeerFleet } from './support/peers.js';
import { failure } from './support/control-failure.js';
import { waitFor } from './support/wait-for.js';

/** Deadline for discovery, sessions and delivery on a loaded 2-core machine. */
const WAIT_MS = 20_000;
const TEXT_LIMIT_BYTES = 16 * 1024;

let fleet: PeerFleet;
let alice: StartedPeerProcess;
let bob: StartedPeerProcess;

beforeAll(async () => {
  fleet = await createPeers(['alice', 'bob']);
  [alice, bob] = fleet.peers as [StartedPeerProcess, StartedPeerProcess];
  await fleet.waitForMesh(WAIT_MS);
});

afterAll(async () => {
  await fleet?.[Symbol.asyncDispose]();
});

/** Collects a peer's Events stream into an array until closed. */
async function subscribe(peer: StartedPeerProcess): Promise<{ events: PeerEvent[]; subscription: Subscription }> {
  const events: PeerEvent[] = [];
  const subscription = peer.control.subscribe((event) => events.push(event));
  await subscription.ready;
  return { events, subscription };
}

/** What a refused Send must leave as it was: alice's counter, outbox and conversation with bob. */
async function sendState(): Promise<{ sent: number; outboxPending: number; historyIds: string[] }> {
  const stats = await alice.control.stats();
  const history = await alice.control.history('bob', 10_000);
  return { sent: stats.counters['direct.sent'] ?? 0, outboxPending: stats.outboxPending, historyIds: history.map((e) => e.messageId) };
}

describe('Whoami', () => {
  it('returns the id, name and fingerprint the ready line printed', async () => {
    const { version } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const peer of [alice, bob]) {
      const me = await peer.control.whoami();
      expect(me).toMatchObject({
        id: peer.ready.id,
        name: peer.spec.name,
        fingerprint: peer.ready.fingerprint,
        grpcPort: peer.ready.grpcPort,
        controlPort: peer.ready.controlPort,
        version,
      });
      expect(me.fingerprint).toMatch(/^\d{5}( \d{5}){11}$/);
      // The id is the key's hash, so Whoami's key must be the one behind the id.
      expect(createHash('sha256').update(Buffer.from(me.publicKeyHex, 'hex')).digest('hex').slice(0, 32)).toBe(me.id);
    }
    expect(alice.ready.id).not.toBe(bob.ready.id);
  });

  it('reports the address the peer heard itself announce from', async () => {
    await waitFor(async () => (await alice.control.whoami()).host === '127.0.0.1', WAIT_MS, "alice's own announcement");
  });
});

describe('ListPeers', () => {
  it('shows the other peer, found by multicast, and not itself', async () => {
    for (const [self, other] of [
      [alice, bob],
      [bob, alice],
    ] as const) {
      const peers = await self.control.listPeers();
      expect(peers.map((p) => p.id)).not.toContain(self.id);
      expect(peers.find((p) => p.id === other.id)).toMatchObject({
        name: other.spec.name,
        host: '127.0.0.1',
        grpcPort: other.ready.grpcPort,
        source: 'multicast',
      });
    }
  });
});

describe('a message sent by name', () => {
  const text = `hello bob, from alice's control API: ünïcödé ✓ ${Date.now()}`;
  let sent: { messageId: string; toId: string };
  let aliceStream: { events: PeerEvent[]; subscription: Subscription };
  let bobStream: { events: PeerEvent[]; subscription: Subscription };

  beforeAll(async () => {
    [aliceStream, bobStream] = await Promise.all([subscribe(alice), subscribe(bob)]);
    sent = await alice.control.send('bob', text);
    await waitFor(
      () => bobStream.events.some((e) => e.type === 'message' && e.messageId === sent.messageId),
      WAIT_MS,
      "the message on bob's Events stream",
      () => bobStream.events,
    );
    await waitFor(
      () => aliceStream.events.some((e) => e.type === 'delivered' && e.messageId === sent.messageId),
      WAIT_MS,
      "delivered on alice's Events stream",
      () => aliceStream.events,
    );
  });

  afterAll(() => {
    aliceStream?.subscription.close();
    bobStream?.subscription.close();
  });

  it('Send names the recipient it resolved', () => {
    expect(sent.toId).toBe(bob.id);
    expect(sent.messageId).not.toBe('');
  });

  it("arrives on bob's Events stream with its id, text and sender", () => {
    const messages = bobStream.events.filter((e) => e.type === 'message' && e.messageId === sent.messageId);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ fromId: alice.id, fromName: 'alice', text });
  });

  it("is acknowledged on alice's Events stream", () => {
    const delivered = aliceStream.events.filter((e) => e.type === 'delivered' && e.messageId === sent.messageId);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({ toId: bob.id, toName: 'bob' });
  });

  it('is in the history of both sides, delivered on the sender', async () => {
    const out = (await alice.control.history('bob')).find((e) => e.messageId === sent.messageId);
    expect(out).toMatchObject({ direction: 'out', peerId: bob.id, peerName: 'bob', text, delivered: true });
    expect(out!.atMs).toBeGreaterThan(0);
    const incoming = (await bob.control.history('alice')).find((e) => e.messageId === sent.messageId);
    expect(incoming).toMatchObject({ direction: 'in', peerId: alice.id, peerName: 'alice', text });
    // History by id finds the same conversation as by name.
    expect((await alice.control.history(bob.id)).map((e) => e.messageId)).toContain(sent.messageId);
  });

  it('shows in Stats: counters, memory and the open session', async () => {
    const [a, b] = await Promise.all([alice.control.stats(), bob.control.stats()]);
    expect(a.counters['direct.sent']).toBeGreaterThanOrEqual(1);
    expect(a.counters['direct.delivered']).toBeGreaterThanOrEqual(1);
    expect(b.counters['direct.received']).toBeGreaterThanOrEqual(1);
    for (const stats of [a, b]) {
      expect(stats.rssBytes).toBeGreaterThan(0);
      expect(stats.heapUsedBytes).toBeGreaterThan(0);
      expect(stats.sessionsOpen).toBeGreaterThanOrEqual(1);
      expect(stats.peersKnown).toBeGreaterThanOrEqual(1);
    }
    expect(a.outboxPending).toBe(0);
  });

  it('leaves ListPeers showing the session up and the proven fingerprint', async () => {
    const entry = (await alice.control.listPeers()).find((p) => p.id === bob.id);
    expect(entry).toMatchObject({ sessionUp: true, fingerprint: bob.ready.fingerprint });
  });
});

describe('the bearer token', () => {
  const wrongTokens = {
    'a different token of the same length': () => alice.controlToken.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')),
    "bob's token": () => bob.controlToken,
    'the right token plus one character': () => `${alice.controlToken}x`,
  };

  for (const [label, token] of Object.entries(wrongTokens)) {
    it(`refuses every call with ${label}, UNAUTHENTICATED, and changes nothing`, async () => {
      const before = await sendState();
      const client = new ControlClient(alice.control.target, token());
      try {
        const calls: Record<string, Promise<unknown>> = {
          Whoami: client.whoami(),
          ListPeers: client.listPeers(),
          Send: client.send('bob', `must not be sent (${label})`),
          History: client.history('bob'),
          Stats: client.stats(),
        };
        for (const [name, call] of Object.entries(calls)) {
          const error = await failure(call);
          expect(error.code, name).toBe(grpc.status.UNAUTHENTICATED);
          expect(error.message, name).toMatch(/control token/);
        }
        const ended = new Promise<grpc.ServiceError | undefined>((resolve) => {
          const subscription = client.subscribe(() => undefined, resolve);
          subscription.ready.catch(() => undefined);
        });
        expect((await ended)?.code).toBe(grpc.status.UNAUTHENTICATED);
      } finally {
        client.close();
      }
      expect(await sendState()).toEqual(before);
    });
  }

  it('refuses every call without the authorization metadata, UNAUTHENTICATED, and changes nothing', async () => {
    const before = await sendState();
    const client = new GeneratedControlClient(alice.control.target, grpc.credentials.createInsecure());
    type Unary = (request: object, metadata: grpc.Metadata, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null) => void) => void;
    const call = (method: Unary, request: object) =>
      new Promise<grpc.ServiceError | null>((resolve) => method.call(client, request, new grpc.Metadata(), { deadline: Date.now() + WAIT_MS }, resolve));
    try {
      const errors = {
        Whoami: await call(client.whoami as unknown as Unary, {}),
        ListPeers: await call(client.listPeers as unknown as Unary, {}),
        Send: await call(client.send as unknown as Unary, { to: 'bob', text: 'must not be sent (no token)' }),
        History: await call(client.history as unknown as Unary, { peer: 'bob', limit: 0 }),
        Stats: await call(client.stats as unknown as Unary, {}),
        Events: await new Promise<grpc.ServiceError>((resolve) => {
          const stream = client.events({}, new grpc.Metadata(), { deadline: Date.now() + WAIT_MS });
          stream.on('data', () => undefined);
          stream.on('error', resolve);
        }),
      };
      for (const [name, error] of Object.entries(errors)) expect(error?.code, name).toBe(grpc.status.UNAUTHENTICATED);
    } finally {
      client.close();
    }
    expect(await sendState()).toEqual(before);
  });
});

describe('Send refuses', () => {
  it('an unknown name with INVALID_ARGUMENT that names it, and changes nothing', async () => {
    const before = await sendState();
    const error = await failure(alice.control.send('carol-is-not-here', 'hi'));
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.message).toContain('carol-is-not-here');
    expect(await sendState()).toEqual(before);
  });

  it('a text one byte over 16 KiB with INVALID_ARGUMENT naming its size and the limit', async () => {
    const before = await sendState();
    const error = await failure(alice.control.send('bob', 'x'.repeat(TEXT_LIMIT_BYTES + 1)));
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.message).toContain(String(TEXT_LIMIT_BYTES + 1));
    expect(error.message).toContain(String(TEXT_LIMIT_BYTES));
    expect(await sendState()).toEqual(before);
  });

  it('counts the limit in UTF-8 bytes, not characters', async () => {
    const before = await sendState();
    // 8,193 two-byte characters: under 16 Ki characters, over 16 KiB.
    const error = await failure(alice.control.send('bob', 'é'.repeat(TEXT_LIMIT_BYTES / 2 + 1)));
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.message).toContain(String(TEXT_LIMIT_BYTES + 2));
    expect(await sendState()).toEqual(before);
  });

  it('a text far over the limit (64 KiB) with a size error, and changes nothing', async () => {
    const before = await sendState();
    const error = await failure(alice.control.send('bob', 'x'.repeat(64 * 1024)));
    // Rejected by gRPC's receive limit before the peer sees it, hence not INVALID_ARGUMENT.
    expect([grpc.status.INVALID_ARGUMENT, grpc.status.RESOURCE_EXHAUSTED]).toContain(error.code);
    expect(error.message).toMatch(/larger than max|over the limit/);
    expect(await sendState()).toEqual(before);
  });

  it('nothing at exactly 16 KiB: that text is delivered whole', async () => {
    const text = 'y'.repeat(TEXT_LIMIT_BYTES - 1) + 'z';
    const { messageId } = await alice.control.send('bob', text);
    const received = await bob.waitForEvent((e) => e.type === 'message' && e.messageId === messageId, WAIT_MS, 'the 16 KiB message');
    expect(received.type === 'message' && received.text).toBe(text);
    await waitFor(
      async () => (await alice.control.history('bob')).some((e) => e.messageId === messageId && e.delivered),
      WAIT_MS,
      'the 16 KiB message to be delivered',
    );
  });
});

describe('the control API address', () => {
  /** 'connected', or the error code of a failed TCP connect. */
  function tryConnect(host: string, port: number): Promise<string> {
    return new Promise((resolve) => {
      const socket = connect({ host, port });
      socket.setTimeout(WAIT_MS, () => {
        socket.destroy();
        resolve('timeout');
      });
      socket.once('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });
  }

  it('accepts connections on 127.0.0.1 and refuses them on other loopback addresses', async () => {
    const port = alice.ready.controlPort;
    expect(await tryConnect('127.0.0.1', port)).toBe('connected');
    // A wildcard bind (0.0.0.0 or ::) would accept these too; all of 127/8 is this machine.
    expect(await tryConnect('127.0.0.2', port)).toBe('ECONNREFUSED');
    expect(await tryConnect('::1', port)).not.toBe('connected');
  });

  it('is the only listening socket on its port in the peer process, bound to 127.0.0.1', async () => {
    const port = alice.ready.controlPort;
    const inodes = new Set<string>();
    for (const fd of await readdir(`/proc/${alice.pid}/fd`)) {
      const target = await readlink(`/proc/${alice.pid}/fd/${fd}`).catch(() => '');
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode) inodes.add(inode);
    }
    const listening: string[] = [];
    for (const family of ['tcp', 'tcp6'] as const) {
      const table = await readFile(`/proc/net/${family}`, 'utf8');
      for (const line of table.split('\n').slice(1)) {
        const cols = line.trim().split(/\s+/);
        const [address, portHex] = (cols[1] ?? '').split(':');
        // State 0A is LISTEN; column 9 is the socket's inode.
        if (cols[3] !== '0A' || !inodes.has(cols[9] ?? '') || parseInt(portHex ?? '', 16) !== port) continue;
        listening.push(family === 'tcp' ? ipv4FromProcHex(address!) : `[${address}]`);
      }
    }
    expect(listening).toEqual(['127.0.0.1']);
  });
});

/** /proc/net/tcp writes an IPv4 address as its 4 bytes in host (little-endian) order. */
function ipv4FromProcHex(hex: string): string {
  return (hex.match(/../g) ?? []).reverse().map((byte) => parseInt(byte, 16)).join('.');
}

/**
 * Oversized values in control API calls, sent by a client built from
 * control.proto alone (test/attacker/control.ts): each is refused at once with
 * INVALID_ARGUMENT naming the field and its limit, quoting at most 100
 * characters of the value, and the peer (and the client's connection) go on.
 * A 100 KB name once produced an error quoting it whole, a grpc-message
 * trailer the client would not take, and a call hanging until its deadline.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartedPeerProcess } from '../lab/runtimes/process/peer-process.js';
import { controlClient } from './attacker/control.js';
import { createPeers, type PeerFleet } from './support/peers.js';

const BIG = 100 * 1024;
/** What a call may take before the client gives up: an answer must come long before. */
const DEADLINE_MS = 10_000;

let fleet: PeerFleet;
let alice: StartedPeerProcess;
let client: ReturnType<typeof controlClient>;

beforeAll(async () => {
  fleet = await createPeers(['alice', 'bob']);
  alice = fleet.peers[0]!;
  await fleet.waitForMesh(30_000);
  client = controlClient(alice.ready.controlPort, alice.controlToken);
});

afterAll(async () => {
  client?.close();
  await fleet?.[Symbol.asyncDispose]();
});

/** The longest run of one character in `text`: how much of a repeated value an error quoted. */
function longestRun(text: string, char: string): number {
  return Math.max(0, ...(text.match(new RegExp(`${char}+`, 'g')) ?? []).map((run) => run.length));
}

const oversized: [method: string, field: string, limit: number, request: Record<string, unknown>][] = [
  ['Send', 'to', 97, { to: 'n'.repeat(BIG), text: 'hi' }],
  ['Send', 'text', 16_384, { to: 'bob', text: 'n'.repeat(BIG) }],
  ['History', 'peer', 97, { peer: 'n'.repeat(BIG), limit: 10 }],
  ['Say', 'room', 64, { room: 'n'.repeat(BIG), text: 'hi' }],
  ['Say', 'text', 16_384, { room: 'ops', text: 'n'.repeat(BIG) }],
  ['JoinRoom', 'room', 64, { room: 'n'.repeat(BIG) }],
  ['LeaveRoom', 'room', 64, { room: 'n'.repeat(BIG) }],
  ['RoomHistory', 'room', 64, { room: 'n'.repeat(BIG), limit: 10 }],
  ['Trust', 'name', 64, { name: 'n'.repeat(BIG), peer: 'bob' }],
  ['Trust', 'peer', 97, { name: 'bob', peer: 'n'.repeat(BIG) }],
];

describe('a 100 KB value in a control call', () => {
  for (const [method, field, limit, request] of oversized) {
    it(`${method}.${field}: INVALID_ARGUMENT naming the field and the limit, quoting at most 100 characters`, async () => {
      const result = await client.call(method, request, DEADLINE_MS);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(grpc.status[result.code]).toBe('INVALID_ARGUMENT');
      expect(result.details).toContain(`${field} is ${BIG} bytes, over the limit of ${limit}`);
      expect(longestRun(result.details, 'n')).toBe(100);
      expect(result.details.length).toBeLessThan(300);
    });
  }

  it('changes nothing, and the peer answers Whoami on the same connection afterwards', async () => {
    const before = await alice.control.stats();
    for (const [method, , , request] of oversized) await client.call(method, request, DEADLINE_MS);
    const whoami = await client.call('Whoami', {}, DEADLINE_MS);
    expect(whoami.ok && whoami.response.id).toBe(alice.id);
    const after = await alice.control.stats();
    expect(after.counters['direct.sent'] ?? 0).toBe(before.counters['direct.sent'] ?? 0);
    expect(after.counters['gossip.originated'] ?? 0).toBe(before.counters['gossip.originated'] ?? 0);
    expect(after.outboxPending).toBe(before.outboxPending);
  });

  it('a request far beyond any limit (1 MB) gets a prompt RESOURCE_EXHAUSTED from gRPC, and the peer goes on', async () => {
    const result = await client.call('Send', { to: 'n'.repeat(1024 * 1024), text: 'hi' }, DEADLINE_MS);
    expect(result.ok || grpc.status[result.code]).toBe('RESOURCE_EXHAUSTED');
    expect(result.ok || result.details).toMatch(/larger than max/);
    const whoami = await client.call('Whoami', {}, DEADLINE_MS);
    expect(whoami.ok).toBe(true);
  });

  it('values at their limits are taken', async () => {
    const room = 'r'.repeat(64);
    const joined = await client.call('JoinRoom', { room }, DEADLINE_MS);
    expect(joined.ok && joined.response.rooms).toContain(room);
    const said = await client.call('Say', { room, text: 't'.repeat(16_384) }, DEADLINE_MS);
    expect(said.ok).toBe(true);
  });
});

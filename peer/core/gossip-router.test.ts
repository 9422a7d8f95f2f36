import { describe, expect, it } from 'vitest';
import type { GroupMessage } from '../../proto/gen/peerlab/wire/v1/wire.pb.js';
import { createGroupMessage, type VerifiedGroupMessage } from '../gossip/group-codec.js';
import { generateIdentity } from '../identity/identity.js';
import { DEFAULT_GOSSIP_OPTIONS, GossipRouter, type GossipAction, type GossipStoreView } from './gossip-router.js';

/** An in-memory store view: what the adapter's GroupStore would answer. */
class MemoryStore implements GossipStoreView {
  readonly messages = new Map<string, { wire: GroupMessage; hops: number; wallMs: number }>();
  has(id: string) {
    return this.messages.has(id);
  }
  recent(sinceMs: number, max: number) {
    return [...this.messages.entries()]
      .filter(([, m]) => m.wallMs >= sinceMs)
      .sort(([, a], [, b]) => a.wallMs - b.wallMs)
      .slice(-max)
      .map(([id, m]) => ({ id, wallMs: m.wallMs }));
  }
  get(id: string) {
    return this.messages.get(id);
  }
  keep(message: VerifiedGroupMessage, hops = 0) {
    this.messages.set(message.id, { wire: message.wire, hops, wallMs: message.body.hlcWallMs });
  }
}

const author = generateIdentity();
const T0 = 1_000_000_000_000;
const neighbours = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6'];
const write = (text: string, wallMs = T0, ttl = 4) =>
  createGroupMessage(author, { authorName: 'author', room: 'everyone', text, hlc: { wallMs, logical: 0 }, ttl });
const sends = (actions: GossipAction[]) => actions.filter((a): a is Extract<GossipAction, { type: 'send' }> => a.type === 'send');
const router = (store = new MemoryStore(), options = {}) =>
  new GossipRouter('self', store, { ...DEFAULT_GOSSIP_OPTIONS, fanout: 3, ...options }, () => 0.5);

describe('GossipRouter (virtual time)', () => {
  it('delivers a new message once, forwards it to `fanout` others with TTL − 1, and drops copies', () => {
    const r = router();
    const message = write('hi');
    const first = r.onGroup('n1', message.wire, T0, neighbours);
    expect(first[0]).toMatchObject({ type: 'deliver', hops: 1, from: 'n1' });
    const forwarded = sends(first);
    expect(forwarded).toHaveLength(3);
    expect(forwarded.map((s) => s.to)).not.toContain('n1');
    for (const s of forwarded) expect(s.item.kind).toMatchObject({ $case: 'group', value: { ttl: 3, hops: 1 } });
    expect(r.onGroup('n2', message.wire, T0 + 5, neighbours)).toEqual([{ type: 'duplicate', from: 'n2' }]);
  });

  it('does not forward a copy whose TTL is spent, and caps an inflated TTL', () => {
    const r = router(new MemoryStore(), { maxTtl: 5 });
    const last = write('last hop', T0, 1);
    expect(sends(r.onGroup('n1', last.wire, T0, neighbours))).toHaveLength(0);
    const inflated = write('inflated', T0, 200);
    for (const s of sends(r.onGroup('n1', inflated.wire, T0, neighbours))) {
      expect(s.item.kind).toMatchObject({ value: { ttl: 4 } });
    }
  });

  it('refuses an altered message and a replay older than the seen-cache, counting both as invalid', () => {
    const r = router();
    const message = write('original');
    const altered = { ...message.wire, body: Buffer.from(message.wire.body).fill(0x41, 20, 22) };
    expect(r.onGroup('n1', altered, T0, neighbours)[0]).toMatchObject({ type: 'reject' });
    const old = write('old', T0 - DEFAULT_GOSSIP_OPTIONS.seenMaxAgeMs - 1);
    expect(r.onGroup('n1', old.wire, T0, neighbours)).toEqual([{ type: 'reject', from: 'n1', reason: 'stale' }]);
    const future = write('future', T0 + DEFAULT_GOSSIP_OPTIONS.maxFutureSkewMs + 1);
    expect(r.onGroup('n1', future.wire, T0, neighbours)).toEqual([{ type: 'reject', from: 'n1', reason: 'future' }]);
  });

  it('remembers what the store has even after the seen-cache forgot it', () => {
    const store = new MemoryStore();
    const message = write('stored');
    store.keep(message);
    expect(router(store).onGroup('n1', message.wire, T0, neighbours)).toEqual([{ type: 'duplicate', from: 'n1' }]);
  });

  it('disconnects a neighbour after invalidLimit invalid messages in the window', () => {
    const r = router(new MemoryStore(), { invalidLimit: 3, invalidWindowMs: 1000 });
    const junk: GroupMessage = { body: Buffer.from('x'), signature: Buffer.alloc(64), authorKey: Buffer.alloc(32), ttl: 1, hops: 0 };
    for (let i = 0; i < 3; i++) expect(r.onGroup('bad', junk, T0 + i, neighbours).some((a) => a.type === 'disconnect')).toBe(false);
    expect(r.onGroup('bad', junk, T0 + 3, neighbours).some((a) => a.type === 'disconnect')).toBe(true);
    // Spread over more than the window, the same number does not.
    const slow = router(new MemoryStore(), { invalidLimit: 3, invalidWindowMs: 1000 });
    for (let i = 0; i < 6; i++) expect(slow.onGroup('bad', junk, T0 + i * 600, neighbours).some((a) => a.type === 'disconnect')).toBe(false);
  });

  it('rate-limits a neighbour beyond its burst', () => {
    const r = router(new MemoryStore(), { ratePerS: 10, burst: 2 });
    const results = [0, 1, 2].map((i) => r.onGroup('n1', write(`m${i}`).wire, T0, neighbours)[0]);
    expect(results.map((a) => a?.type)).toEqual(['deliver', 'deliver', 'reject']);
    // A tenth of a second later one more token has come back.
    expect(r.onGroup('n1', write('m3').wire, T0 + 100, neighbours)[0]?.type).toBe('deliver');
  });

  it('anti-entropy: a digest makes the other side pull what it lacks and push what the digest lacks', () => {
    const a = new MemoryStore();
    const b = new MemoryStore();
    const shared = write('shared');
    const onlyA = write('only at a', T0 + 1);
    const onlyB = write('only at b', T0 + 2);
    a.keep(shared);
    a.keep(onlyA);
    b.keep(shared);
    b.keep(onlyB);
    const digest = sends(router(a).digestRound(T0 + 10, ['b']))[0]!;
    expect(digest.to).toBe('b');
    if (digest.item.kind?.$case !== 'digest') throw new Error('expected a digest');
    const answer = sends(router(b).onDigest('a', digest.item.kind.value.sinceMs, digest.item.kind.value.ids, T0 + 10));
    const pull = answer.find((s) => s.item.kind?.$case === 'pull');
    const push = answer.filter((s) => s.item.kind?.$case === 'group');
    expect(pull?.item.kind).toMatchObject({ value: { ids: [Buffer.from(onlyA.id, 'hex')] } });
    expect(push).toHaveLength(1);
    // Pushed copies carry TTL 0: kept, not forwarded again.
    expect(push[0]!.item.kind).toMatchObject({ value: { ttl: 0, body: onlyB.wire.body } });
    // And the pull is answered from the store.
    const served = sends(router(a).onPull('b', [Buffer.from(onlyA.id, 'hex')]));
    expect(served[0]!.item.kind).toMatchObject({ $case: 'group', value: { body: onlyA.wire.body } });
  });

  it('picks distinct neighbours, never itself or the author', () => {
    const r = new GossipRouter('self', new MemoryStore(), { ...DEFAULT_GOSSIP_OPTIONS, fanout: 10 }, Math.random);
    const message = write('spread');
    const targets = sends(r.originate(message, T0, ['self', author.id, 'n1', 'n2', 'n2', 'n3'])).map((s) => s.to);
    expect(new Set(targets)).toEqual(new Set(['n1', 'n2', 'n3']));
  });
});

import { describe, expect, it } from 'vitest';
import { PeerTable, REPLAY_MARGIN_MS, type PeerObservation, type PeerRecord } from './peer-table.js';
import { mulberry32 } from '../../test/support/prng.js';

const EXPIRE = 5000;
/** The freshness window: a replay of an accepted seq can pass the wall-clock check this long. */
const WINDOW = 30_000;
/** How long an accepted seq is remembered when the sender's clock is in step with ours. */
const FRESH_FOR = WINDOW + REPLAY_MARGIN_MS;
const SELF = 'f'.repeat(32);

/** A peer id made of one repeated hex digit pattern, so prefixes are easy to reason about. */
const idOf = (prefix: string): string => prefix.padEnd(32, '0');
const A = idOf('aaaa1111');
const B = idOf('bbbb2222');
const C = idOf('cccc3333');
const D = idOf('dddd4444');

function obs(id: string, changes: Partial<PeerObservation> = {}): PeerObservation {
  return { id, name: `n-${id.slice(0, 4)}`, host: '10.0.0.1', grpcPort: 5000, ...changes };
}

function table(maxPeers = 100): PeerTable {
  return new PeerTable({ selfId: SELF, expireAfterMs: EXPIRE, windowMs: WINDOW, maxPeers });
}

const types = (events: { type: string }[]) => events.map((e) => e.type);

describe('PeerTable.observe', () => {
  it('reports a new peer as up, a repeat as nothing, a new address or name as changed', () => {
    const t = table();
    const up = t.observe(obs(A, { seq: 1 }), 'multicast', 0);
    expect(up).toEqual([{ type: 'peer_up', peer: expect.objectContaining({ id: A, host: '10.0.0.1', source: 'multicast', firstSeenAt: 0, lastSeenAt: 0 }) }]);
    expect(t.observe(obs(A, { seq: 2 }), 'multicast', 10)).toEqual([]);
    expect(t.get(A)?.lastSeenAt).toBe(10);

    const moved = t.observe(obs(A, { seq: 3, host: '10.0.0.2' }), 'multicast', 20);
    expect(moved).toEqual([
      { type: 'peer_changed', peer: expect.objectContaining({ host: '10.0.0.2', firstSeenAt: 0 }), previous: expect.objectContaining({ host: '10.0.0.1' }) },
    ]);
    expect(types(t.observe(obs(A, { seq: 4, host: '10.0.0.2', grpcPort: 6000 }), 'multicast', 30))).toEqual(['peer_changed']);
    expect(types(t.observe(obs(A, { seq: 5, host: '10.0.0.2', grpcPort: 6000, name: 'renamed' }), 'multicast', 40))).toEqual(['peer_changed']);
    expect(t.get(A)).toMatchObject({ name: 'renamed', host: '10.0.0.2', grpcPort: 6000 });
  });

  it('ignores itself and ids that are not peer ids', () => {
    const t = table();
    expect(t.observe(obs(SELF), 'multicast', 0)).toEqual([]);
    expect(t.observe(obs('not-an-id'), 'seed', 0)).toEqual([]);
    expect(t.size).toBe(0);
  });

  it('hands out snapshots: changing a returned record does not change the table', () => {
    const t = table();
    t.observe(obs(A), 'seed', 0);
    const record = t.get(A) as { host: string };
    record.host = 'elsewhere';
    expect(t.get(A)?.host).toBe('10.0.0.1');
  });
});

describe('PeerTable replay protection', () => {
  it('ignores a seq not greater than the last one, and does not count it as hearing the peer', () => {
    const t = table();
    t.observe(obs(A, { seq: 10 }), 'multicast', 0);
    expect(t.observe(obs(A, { seq: 10, host: '6.6.6.6' }), 'multicast', 1000)).toEqual([]);
    expect(t.observe(obs(A, { seq: 9, host: '6.6.6.6' }), 'seed', 2000)).toEqual([]);
    expect(t.get(A)).toMatchObject({ host: '10.0.0.1', lastSeenAt: 0 });
    expect(t.counters().stale).toBe(2);
    expect(types(t.expire(EXPIRE))).toEqual(['peer_down']);
  });

  it('accepts a lower seq (a restart with the clock set back) once the last accepted seq is a window (and the margin) old', () => {
    const t = table();
    t.observe(obs(A, { seq: 1000 }), 'multicast', 0);
    // A registry entry (no seq) keeps the peer alive, but must not lock its restart out.
    for (let now = 3000; now < FRESH_FOR; now += 3000) t.observe(obs(A), 'registry', now);
    expect(t.observe(obs(A, { seq: 1, grpcPort: 7000 }), 'multicast', FRESH_FOR - 1)).toEqual([]);
    expect(t.get(A)?.grpcPort).toBe(5000);

    expect(types(t.observe(obs(A, { seq: 1, grpcPort: 7000 }), 'multicast', FRESH_FOR))).toEqual(['peer_changed']);
    expect(t.get(A)?.grpcPort).toBe(7000);
    expect(t.counters().restarts).toBe(1);
    // From then on the new sequence is the one that counts.
    expect(t.observe(obs(A, { seq: 2, grpcPort: 7000 }), 'multicast', FRESH_FOR + 1)).toEqual([]);
    expect(t.observe(obs(A, { seq: 1, grpcPort: 8000 }), 'multicast', FRESH_FOR + 2)).toEqual([]);
    expect(t.get(A)?.grpcPort).toBe(7000);
  });
});

describe('PeerTable replay protection after a peer is gone', () => {
  /** A table in which A (last seq 10, heard at 0) has just expired. */
  function afterExpiry(maxPeers = 100): PeerTable {
    const t = table(maxPeers);
    t.observe(obs(A, { seq: 9 }), 'multicast', 0);
    t.observe(obs(A, { seq: 10 }), 'multicast', 0);
    expect(types(t.expire(EXPIRE))).toEqual(['peer_down']);
    return t;
  }

  it('refuses a replay of its last announcements as stale within the window, and forgets its seq after it', () => {
    const t = afterExpiry();
    expect(t.rememberedCount).toBe(1);
    for (const [seq, now] of [[10, EXPIRE + 1], [9, EXPIRE + 2], [10, FRESH_FOR - 1]] as const) {
      expect(t.isReplay(obs(A, { seq }), now)).toBe(true);
      expect(t.observe(obs(A, { seq }), 'multicast', now)).toEqual([]);
    }
    expect(t.get(A)).toBeUndefined();
    expect(t.counters().stale).toBe(3);

    expect(t.expire(FRESH_FOR)).toEqual([]);
    expect(t.rememberedCount).toBe(0);
    // From here only the receiver's wall-clock check can tell a replay: its sent_at_ms is a window old.
    expect(t.isReplay(obs(A, { seq: 10 }), FRESH_FOR)).toBe(false);
  });

  it('accepts a real restart (a higher seq) at once, and keeps refusing the old seqs', () => {
    const t = afterExpiry();
    expect(types(t.observe(obs(A, { seq: 2000 }), 'multicast', EXPIRE + 1))).toEqual(['peer_up']);
    expect(t.counters()).toMatchObject({ restarts: 0, stale: 0 });
    expect(t.rememberedCount).toBe(0);
    expect(t.observe(obs(A, { seq: 10 }), 'multicast', EXPIRE + 2)).toEqual([]);
    expect(t.counters().stale).toBe(1);
  });

  it('accepts a restart with a lower seq once the window has passed', () => {
    const t = afterExpiry();
    expect(t.observe(obs(A, { seq: 5 }), 'multicast', FRESH_FOR - 1)).toEqual([]);
    expect(types(t.observe(obs(A, { seq: 5 }), 'multicast', FRESH_FOR))).toEqual(['peer_up']);
    expect(t.counters()).toMatchObject({ restarts: 1, stale: 1 });
  });

  it("remembers a seq as long as the sender's clock offset keeps a replay of it fresh", () => {
    const t = table();
    // Alice's clock runs 20 s ahead of ours: her announcement passes the wall-clock check 20 s longer.
    t.observe(obs(A, { seq: 10, clockOffsetMs: 20_000 }), 'multicast', 0);
    // Bob's runs 10 s behind: 10 s less.
    t.observe(obs(B, { seq: 10, clockOffsetMs: -10_000 }), 'multicast', 0);
    t.expire(EXPIRE);
    expect(t.isReplay(obs(A, { seq: 10 }), FRESH_FOR + 19_999)).toBe(true);
    expect(t.isReplay(obs(A, { seq: 10 }), FRESH_FOR + 20_000)).toBe(false);
    expect(t.isReplay(obs(B, { seq: 10 }), FRESH_FOR - 10_001)).toBe(true);
    expect(t.isReplay(obs(B, { seq: 10 }), FRESH_FOR - 10_000)).toBe(false);
  });

  it('does not let a replay promote a hint about the gone peer', () => {
    const t = afterExpiry();
    t.observe(obs(A), 'hint', EXPIRE + 1);
    expect(t.observe(obs(A, { seq: 10 }), 'multicast', EXPIRE + 2)).toEqual([]);
    expect(t.get(A)?.source).toBe('hint');
  });

  it('remembers evicted peers too, at most maxPeers of them, dropping the longest forgotten first', () => {
    const t = table(2);
    for (const [i, id] of [A, B, C, D].entries()) t.observe(obs(id, { seq: 10 }), 'seed', i);
    // C evicted A, D evicted B.
    expect(t.rememberedCount).toBe(2);
    expect(t.isReplay(obs(A, { seq: 10 }), 10)).toBe(true);
    const E = idOf('eeee5555');
    t.observe(obs(E, { seq: 10 }), 'seed', 11); // evicts C: A's memory makes way
    expect(t.rememberedCount).toBe(2);
    expect(t.isReplay(obs(B, { seq: 10 }), 12)).toBe(true);
    expect(t.isReplay(obs(A, { seq: 10 }), 12)).toBe(false);
  });
});

describe('PeerTable.expire', () => {
  it('takes a peer down at exactly lastSeenAt + expireAfterMs, and says when to wake', () => {
    const t = table();
    expect(t.nextExpiryAt()).toBeUndefined();
    t.observe(obs(A), 'multicast', 100);
    t.observe(obs(B), 'multicast', 300);
    expect(t.nextExpiryAt()).toBe(100 + EXPIRE);
    t.observe(obs(A), 'multicast', 400); // A heard again: B is now the oldest
    expect(t.nextExpiryAt()).toBe(300 + EXPIRE);

    expect(t.expire(300 + EXPIRE - 1)).toEqual([]);
    expect(t.expire(300 + EXPIRE)).toEqual([{ type: 'peer_down', reason: 'expired', peer: expect.objectContaining({ id: B }) }]);
    expect(t.nextExpiryAt()).toBe(400 + EXPIRE);
    expect(t.get(B)).toBeUndefined();
  });

  it('drives cleanly by jumping virtual time to each wake-up', () => {
    const t = table();
    for (const [i, id] of [A, B, C].entries()) t.observe(obs(id), 'seed', i * 1000);
    const downs: [number, string][] = [];
    for (let now = t.nextExpiryAt(); now !== undefined; now = t.nextExpiryAt()) {
      for (const e of t.expire(now)) downs.push([now, e.peer.id]);
    }
    expect(downs).toEqual([
      [EXPIRE, A],
      [EXPIRE + 1000, B],
      [EXPIRE + 2000, C],
    ]);
  });
});

describe('PeerTable hints', () => {
  it('makes a tentative entry, without key or seq, for an unknown peer', () => {
    const t = table();
    const events = t.observe(obs(A, { publicKey: new Uint8Array(32), seq: 5 }), 'hint', 0);
    expect(events).toEqual([{ type: 'peer_up', peer: expect.objectContaining({ id: A, source: 'hint' }) }]);
    expect(t.get(A)?.publicKey).toBeUndefined();
  });

  it('never overrides or refreshes what a direct source said', () => {
    const t = table();
    t.observe(obs(A, { seq: 1 }), 'multicast', 0);
    expect(t.observe(obs(A, { host: '6.6.6.6', name: 'mallory' }), 'hint', 4000)).toEqual([]);
    expect(t.get(A)).toMatchObject({ host: '10.0.0.1', source: 'multicast', lastSeenAt: 0 });
    expect(t.counters().hints_ignored).toBe(1);
    expect(types(t.expire(EXPIRE))).toEqual(['peer_down']);
  });

  it('is upgraded by a direct observation, which then wins', () => {
    const t = table();
    t.observe(obs(A, { host: '6.6.6.6' }), 'hint', 0);
    const events = t.observe(obs(A, { seq: 1 }), 'multicast', 100);
    expect(events).toEqual([
      {
        type: 'peer_changed',
        peer: expect.objectContaining({ source: 'multicast', host: '10.0.0.1', firstSeenAt: 0, lastSeenAt: 100 }),
        previous: expect.objectContaining({ source: 'hint', host: '6.6.6.6' }),
      },
    ]);
    expect(t.observe(obs(A, { host: '6.6.6.6' }), 'hint', 200)).toEqual([]);
    expect(t.size).toBe(1);
  });

  it('are not passed on by sampleKnown, so a rumour lives one hop', () => {
    const t = table();
    t.observe(obs(A), 'hint', 0);
    t.observe(obs(B), 'multicast', 0);
    expect(t.sampleKnown(10, mulberry32(1)).map((k) => k.id)).toEqual([B]);
  });
});

describe('PeerTable eviction at maxPeers', () => {
  it('evicts the least recently heard and counts it', () => {
    const t = table(3);
    t.observe(obs(A), 'seed', 1);
    t.observe(obs(B), 'seed', 2);
    t.observe(obs(C), 'seed', 3);
    t.observe(obs(A), 'seed', 4); // now B is the least recently heard
    const events = t.observe(obs(D), 'seed', 5);
    expect(events).toEqual([
      { type: 'peer_down', reason: 'evicted', peer: expect.objectContaining({ id: B }) },
      { type: 'peer_up', peer: expect.objectContaining({ id: D }) },
    ]);
    expect(t.size).toBe(3);
    expect(t.list().map((p) => p.id).sort()).toEqual([A, C, D].sort());
    expect(t.counters().evicted).toBe(1);
  });

  it('evicts tentative entries first, and a hint never evicts a direct entry', () => {
    const t = table(2);
    t.observe(obs(A), 'seed', 1);
    t.observe(obs(B), 'hint', 2);
    expect(types(t.observe(obs(C), 'seed', 3))).toEqual(['peer_down', 'peer_up']);
    expect(t.get(B)).toBeUndefined();
    expect(t.get(A)).toBeDefined();
    expect(t.observe(obs(D), 'hint', 4)).toEqual([]);
    expect(t.size).toBe(2);
    expect(t.counters()).toMatchObject({ evicted: 1, hints_dropped: 1 });
  });
});

describe('PeerTable.resolve', () => {
  const t = table();
  const bob1 = idOf('12345678aa');
  const bob2 = idOf('12345678bb');
  t.observe(obs(A, { name: 'alice' }), 'multicast', 0);
  t.observe(obs(bob1, { name: 'bob' }), 'multicast', 0);
  t.observe(obs(bob2, { name: 'bob', host: '10.0.0.9' }), 'multicast', 0);
  const idOfResult = (r: PeerRecord | { error: string }) => ('error' in r ? r.error : r.id);

  it('finds a peer by name, full id (any case) and id prefix of 8+ hex digits', () => {
    expect(idOfResult(t.resolve('alice'))).toBe(A);
    expect(idOfResult(t.resolve(` ${A.toUpperCase()} `))).toBe(A);
    expect(idOfResult(t.resolve('aaaa1111'))).toBe(A);
    expect(idOfResult(t.resolve('12345678aa'))).toBe(bob1);
    expect(t.findByName('bob').map((p) => p.id).sort()).toEqual([bob1, bob2].sort());
  });

  it('says which peers an ambiguous name or prefix matches', () => {
    const byName = t.resolve('bob');
    expect('error' in byName && byName.error).toMatch(/2 peers are named "bob": .*12345678aa00.*12345678bb00.*longer id prefix/);
    const byPrefix = t.resolve('12345678');
    expect('error' in byPrefix && byPrefix.error).toMatch(/2 peer ids start with "12345678"/);
  });

  it('says why nothing matched', () => {
    expect(t.resolve('carol')).toEqual({ error: 'No peer named "carol" or with an id starting with it (3 peers known)' });
    expect(t.resolve('aaaa')).toEqual({ error: 'No peer named "aaaa", and an id prefix needs at least 8 hex digits (got 4)' });
    expect(t.resolve('99999999')).toHaveProperty('error', expect.stringMatching(/No peer named "99999999"/));
    expect(t.resolve('  ')).toHaveProperty('error', expect.stringMatching(/No peer given/));
  });
});

describe('PeerTable.sampleKnown', () => {
  const t = table();
  const ids = Array.from({ length: 20 }, (_, i) => idOf(i.toString(16).padStart(8, '0')));
  ids.forEach((id, i) => t.observe(obs(id, { name: `p${i}` }), 'multicast', i));

  it('returns max distinct known peers, reproducibly for a seeded random', () => {
    const first = t.sampleKnown(5, mulberry32(42));
    expect(first).toHaveLength(5);
    expect(new Set(first.map((k) => k.id)).size).toBe(5);
    expect(first[0]).toEqual({ id: expect.any(String), name: expect.stringMatching(/^p\d+$/), host: '10.0.0.1', grpcPort: 5000 });
    expect(t.sampleKnown(5, mulberry32(42))).toEqual(first);
    expect(t.sampleKnown(5, mulberry32(43))).not.toEqual(first);
  });

  it('returns everyone when max exceeds the table, and nothing for max 0', () => {
    expect(t.sampleKnown(100, mulberry32(1)).map((k) => k.id).sort()).toEqual([...ids].sort());
    expect(t.sampleKnown(0, mulberry32(1))).toEqual([]);
  });
});

describe('PeerTable options', () => {
  it('rejects settings that cannot work', () => {
    expect(() => new PeerTable({ selfId: SELF, expireAfterMs: 0, windowMs: 1, maxPeers: 1 })).toThrow(/expireAfterMs must be > 0, got 0/);
    expect(() => new PeerTable({ selfId: SELF, expireAfterMs: 1, windowMs: 0, maxPeers: 1 })).toThrow(/windowMs must be > 0, got 0/);
    expect(() => new PeerTable({ selfId: SELF, expireAfterMs: 1, windowMs: 1, maxPeers: 0 })).toThrow(/maxPeers must be an integer >= 1, got 0/);
  });
});

import { describe, expect, it } from 'vitest';
import { generateIdentity, idFromPublicKey } from '../identity/identity.js';
import { LIMITS, PROTOCOL_VERSION } from '../limits.js';
import { Announcement, SignedAnnouncement, type KnownPeer } from '../../proto/gen/peerlab/wire/v1/wire.pb.js';
import {
  AnnouncementFieldError,
  DROP_REASONS,
  decodeAnnouncement,
  encodeAnnouncement,
  signAnnouncement,
  verifyAnnouncement,
  type DropReason,
} from './announcement.js';
import { makeFuzzPackets } from '../../test/support/fuzz-packets.js';

const alice = generateIdentity();
const bob = generateIdentity();
/** A sender's wall clock, ms since the epoch (the codec only carries it; receivers judge it). */
const SENT_AT = 1_700_000_000_456;

function peer(n: number, overrides: Partial<KnownPeer> = {}): KnownPeer {
  return { id: idFromPublicKey(Buffer.from([n])), name: `peer-${n}`, host: `10.0.${n >> 8}.${n & 255}`, grpcPort: 5000 + n, ...overrides };
}

/** A well-formed announcement of alice's, to break one field of. */
function aliceAnnouncement(changes: Partial<Announcement> = {}): Announcement {
  return {
    version: PROTOCOL_VERSION,
    publicKey: alice.publicKey,
    id: alice.id,
    name: 'alice',
    grpcPort: 50051,
    seq: 7,
    knownPeers: [],
    host: '',
    sentAtMs: SENT_AT,
    chain: undefined,
    ...changes,
  };
}

function reasonOf(bytes: Uint8Array): DropReason | 'ok' {
  const result = decodeAnnouncement(bytes);
  return result.ok ? 'ok' : result.reason;
}

describe('encodeAnnouncement / decodeAnnouncement', () => {
  it('round-trips every field', () => {
    const knownPeers = [peer(1), peer(2)];
    const packet = encodeAnnouncement(alice, { name: 'alice', grpcPort: 50051, seq: 1_700_000_000_123, sentAtMs: SENT_AT, knownPeers, host: 'alice.lan' });
    const result = decodeAnnouncement(packet);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.announcement).toEqual({
      version: PROTOCOL_VERSION,
      publicKey: alice.publicKey,
      id: alice.id,
      name: 'alice',
      grpcPort: 50051,
      seq: 1_700_000_000_123,
      knownPeers,
      host: 'alice.lan',
      sentAtMs: SENT_AT,
    });
  });

  it('leaves host empty when not given, meaning "use the source address"', () => {
    const result = decodeAnnouncement(encodeAnnouncement(alice, { name: 'alice', grpcPort: 1, seq: 0, sentAtMs: SENT_AT, knownPeers: [] }));
    expect(result.ok && result.announcement.host).toBe('');
  });

  it('keeps as many of 50 known peers as fit in the packet, dropping from the end', () => {
    // Long names and hosts, so fewer than the count limit fit in the byte limit.
    const knownPeers = Array.from({ length: 50 }, (_, i) =>
      peer(i, { name: `${i}`.padStart(LIMITS.nameBytes, 'n'), host: `host-${i}.a-rather-long-domain.example.org` }),
    );
    const packet = encodeAnnouncement(alice, { name: 'alice', grpcPort: 50051, seq: 1, sentAtMs: SENT_AT, knownPeers });
    expect(packet.length).toBeLessThanOrEqual(LIMITS.announcementBytes);
    const result = decodeAnnouncement(packet);
    if (!result.ok) throw new Error(`dropped: ${result.reason}`);
    const kept = result.announcement.knownPeers.length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(LIMITS.knownPeersPerAnnouncement);
    expect(result.announcement.knownPeers).toEqual(knownPeers.slice(0, kept));
    // One more would not have fitted.
    const withOneMore = signAnnouncement(alice, { ...result.announcement, knownPeers: knownPeers.slice(0, kept + 1) });
    expect(withOneMore.length).toBeGreaterThan(LIMITS.announcementBytes);
  });

  it('carries at most knownPeersPerAnnouncement small known peers', () => {
    const knownPeers = Array.from({ length: 50 }, (_, i) => peer(i));
    const result = decodeAnnouncement(encodeAnnouncement(alice, { name: 'a', grpcPort: 1, seq: 1, sentAtMs: SENT_AT, knownPeers }));
    expect(result.ok && result.announcement.knownPeers).toEqual(knownPeers.slice(0, LIMITS.knownPeersPerAnnouncement));
  });

  it('leaves out known peers that receivers would reject', () => {
    const good = peer(3);
    const knownPeers = [peer(1, { name: 'bad\nname' }), good, peer(2, { grpcPort: 0 }), peer(4, { id: 'short' })];
    const result = decodeAnnouncement(encodeAnnouncement(alice, { name: 'a', grpcPort: 1, seq: 1, sentAtMs: SENT_AT, knownPeers }));
    expect(result.ok && result.announcement.knownPeers).toEqual([good]);
  });

  it.each([
    ['name', { name: 'n'.repeat(LIMITS.nameBytes + 1) }, /name .* over the limit of 64/],
    ['name', { name: '' }, /name "" is empty/],
    ['name', { name: 'a\u0007b' }, /control/],
    ['grpcPort', { grpcPort: 0 }, /grpcPort 0 must be an integer from 1 to 65535/],
    ['grpcPort', { grpcPort: 65536 }, /grpcPort 65536/],
    ['host', { host: 'has space' }, /host "has space" contains characters/],
    ['seq', { seq: -1 }, /seq -1 must be a non-negative safe integer/],
    ['sentAtMs', { sentAtMs: 1.5 }, /sentAtMs 1.5 must be a non-negative safe integer/],
    ['sentAtMs', { sentAtMs: -1 }, /sentAtMs -1 must be a non-negative safe integer/],
  ])('throws a clear error for a bad %s', (field, change, message) => {
    const fields = { name: 'alice', grpcPort: 50051, seq: 1, sentAtMs: SENT_AT, knownPeers: [], ...change };
    let thrown: unknown;
    try {
      encodeAnnouncement(alice, fields);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(AnnouncementFieldError);
    expect((thrown as AnnouncementFieldError).field).toBe(field);
    expect((thrown as Error).message).toMatch(message);
  });
});

describe('decodeAnnouncement drop reasons', () => {
  const valid = encodeAnnouncement(alice, { name: 'alice', grpcPort: 50051, seq: 1, sentAtMs: SENT_AT, knownPeers: [peer(1)] });

  it('accepts the untouched packet (so each case below breaks exactly one thing)', () => {
    expect(reasonOf(valid)).toBe('ok');
  });

  it('oversized: more than LIMITS.announcementBytes, even if otherwise valid', () => {
    const big = Buffer.concat([valid, Buffer.alloc(LIMITS.announcementBytes + 1 - valid.length)]);
    expect(reasonOf(big)).toBe('oversized');
  });

  it.each<[string, Uint8Array]>([
    ['empty packet', Buffer.alloc(0)],
    ['truncated protobuf', valid.subarray(0, valid.length - 10)],
    ['huge length prefix', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3])],
    ['no signature', SignedAnnouncement.encode({ body: SignedAnnouncement.decode(valid).body, signature: Buffer.alloc(0) }).finish()],
    ['no body', SignedAnnouncement.encode({ body: Buffer.alloc(0), signature: Buffer.alloc(64) }).finish()],
    ['short signature', SignedAnnouncement.encode({ body: SignedAnnouncement.decode(valid).body, signature: Buffer.alloc(63) }).finish()],
    ['body not an Announcement', SignedAnnouncement.encode({ body: Buffer.from([0x3a, 0x50]), signature: Buffer.alloc(64) }).finish()],
    ['seq past 2^53', seqTooBig()],
    ['31-byte key', signAnnouncement(alice, aliceAnnouncement({ publicKey: alice.publicKey.subarray(0, 31) }))],
  ])('malformed: %s', (_, bytes) => {
    expect(reasonOf(bytes)).toBe('malformed');
  });

  it.each([0, PROTOCOL_VERSION + 1, 4_000_000_000])('unknown_version: version %d, correctly signed', (version) => {
    expect(reasonOf(signAnnouncement(alice, aliceAnnouncement({ version })))).toBe('unknown_version');
  });

  it('bad_signature: one bit of the signature flipped', () => {
    const bytes = Buffer.from(valid);
    bytes[bytes.length - 1]! ^= 0x01;
    expect(reasonOf(bytes)).toBe('bad_signature');
  });

  it("bad_signature: alice's key and id, signed by bob", () => {
    const forged = SignedAnnouncement.decode(signAnnouncement(bob, aliceAnnouncement()));
    expect(reasonOf(SignedAnnouncement.encode(forged).finish())).toBe('bad_signature');
  });

  it('bad_signature: sent_at_ms moved forward under the original signature (a replay cannot refresh itself)', () => {
    const signed = SignedAnnouncement.decode(valid);
    const body = Announcement.decode(signed.body);
    expect(body.sentAtMs).toBe(SENT_AT);
    const refreshed = { body: Buffer.from(Announcement.encode({ ...body, sentAtMs: SENT_AT + 60_000 }).finish()), signature: signed.signature };
    expect(reasonOf(SignedAnnouncement.encode(refreshed).finish())).toBe('bad_signature');
  });

  it('id_mismatch: an id that is not the hash of the key, correctly signed', () => {
    expect(reasonOf(signAnnouncement(alice, aliceAnnouncement({ id: bob.id })))).toBe('id_mismatch');
  });

  it.each<[string, Partial<Announcement>]>([
    ['empty name', { name: '' }],
    ['blank name', { name: '   ' }],
    ['name over nameBytes', { name: 'é'.repeat(LIMITS.nameBytes / 2 + 1) }],
    ['name with an escape sequence', { name: 'a\u001b[31mb' }],
    ['name with a newline', { name: 'a\nb' }],
    ['name with a bidi override', { name: 'abc\u202Edef' }],
    ['port 0', { grpcPort: 0 }],
    ['port over 65535', { grpcPort: 65536 }],
    ['host with a slash', { host: 'a/b' }],
    ['host over hostBytes', { host: 'h'.repeat(LIMITS.hostBytes + 1) }],
    ['too many known peers', { knownPeers: Array.from({ length: LIMITS.knownPeersPerAnnouncement + 1 }, (_, i) => peer(i)) }],
    ['known peer with a bad id', { knownPeers: [peer(1, { id: 'Z'.repeat(32) })] }],
    ['known peer with an empty host', { knownPeers: [peer(1, { host: '' })] }],
    ['known peer with a bad port', { knownPeers: [peer(1, { grpcPort: 0 })] }],
    ['known peer with a control character in its name', { knownPeers: [peer(1, { name: 'x\u0000' })] }],
  ])('invalid_field: %s', (_, change) => {
    expect(reasonOf(signAnnouncement(alice, aliceAnnouncement(change)))).toBe('invalid_field');
  });

  it('verifyAnnouncement checks an already-decoded SignedAnnouncement the same way', () => {
    expect(verifyAnnouncement(SignedAnnouncement.decode(valid)).ok).toBe(true);
    const tampered = SignedAnnouncement.decode(valid);
    tampered.signature = Buffer.from(tampered.signature).fill(7, 0, 1);
    expect(verifyAnnouncement(tampered)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('never throws on 10,000 fuzz packets, and drops every one of them', () => {
    const packets = makeFuzzPackets(10_000, 0xc0ffee, valid, alice);
    const seen = new Map<string, number>();
    for (const { bytes } of packets) {
      let reason: string;
      expect(() => (reason = reasonOf(bytes))).not.toThrow();
      seen.set(reason!, (seen.get(reason!) ?? 0) + 1);
    }
    expect(seen.get('ok')).toBeUndefined();
    // The generator reaches every check, not only the first one.
    expect([...seen.keys()].sort()).toEqual([...DROP_REASONS].sort());
  });
});

/** A correctly signed body whose seq (uint64) does not fit a JS number. */
function seqTooBig(): Buffer {
  const body = Buffer.concat([
    Announcement.encode(aliceAnnouncement()).finish(),
    Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), // field 6 = 2^64 - 1
  ]);
  const signature = alice.sign(Buffer.concat([Buffer.from('peerlab/announce/v1'), body]));
  return Buffer.from(SignedAnnouncement.encode({ body, signature }).finish());
}

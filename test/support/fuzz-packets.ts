/**
 * Hostile and broken discovery packets, generated from a seed so a failure
 * reproduces. Reused against the codec, the multicast adapter and whole peers.
 */
import { LIMITS, PROTOCOL_VERSION } from '../../peer/limits.js';
import type { Identity } from '../../peer/identity/identity.js';
import { ANNOUNCE_SIGNING_CONTEXT, signAnnouncement } from '../../peer/discovery/announcement.js';
import { Announcement, SignedAnnouncement } from '../../proto/gen/peerlab/wire/v1/wire.pb.js';
import { mulberry32, randomBytes, randomInt } from './prng.js';

/** The kinds of bad packet, each produced at least once when count allows. */
export const FUZZ_KINDS = [
  'empty',
  'random',
  'truncated',
  'bit_flip',
  'oversized',
  'unknown_version',
  'id_mismatch',
  'invalid_field',
  'huge_length_prefix',
] as const;

/** One of FUZZ_KINDS. */
export type FuzzKind = (typeof FUZZ_KINDS)[number];

/** A generated packet and how it was made. */
export interface FuzzPacket {
  kind: FuzzKind;
  bytes: Buffer;
}

/**
 * `count` bad packets from `seed`: the first of each kind in FUZZ_KINDS order, then
 * kinds at random. `validSample` (a packet from encodeAnnouncement) is what truncations,
 * bit flips and oversized packets start from; `identity` signs the packets that must
 * get past the signature check to reach the later checks.
 */
export function makeFuzzPackets(count: number, seed: number, validSample: Buffer, identity: Identity): FuzzPacket[] {
  if (validSample.length === 0 || validSample.length > LIMITS.announcementBytes) {
    throw new RangeError(`validSample must be 1 to ${LIMITS.announcementBytes} bytes, got ${validSample.length}`);
  }
  const template = Announcement.decode(SignedAnnouncement.decode(validSample).body);
  const random = mulberry32(seed);
  const make = packetMakers(random, validSample, template, identity);
  const packets: FuzzPacket[] = [];
  for (let i = 0; i < count; i++) {
    const kind = i < FUZZ_KINDS.length ? FUZZ_KINDS[i]! : FUZZ_KINDS[Math.floor(random() * FUZZ_KINDS.length)]!;
    packets.push({ kind, bytes: make[kind]() });
  }
  return packets;
}

function packetMakers(
  random: () => number,
  valid: Buffer,
  template: Announcement,
  identity: Identity,
): Record<FuzzKind, () => Buffer> {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  // Signed by `identity`, so these fail only on the field they were made to break.
  const signed = (changes: Partial<Announcement>): Buffer =>
    signAnnouncement(identity, {
      ...template,
      version: PROTOCOL_VERSION,
      publicKey: identity.publicKey,
      id: identity.id,
      seq: randomInt(random, 1, 1_000_000),
      knownPeers: [],
      ...changes,
    });
  return {
    empty: () => Buffer.alloc(0),
    random: () => randomBytes(random, randomInt(random, 0, 2000)),
    truncated: () => Buffer.from(valid.subarray(0, randomInt(random, 0, valid.length - 1))),
    bit_flip: () => {
      const bytes = Buffer.from(valid);
      const bits = new Set<number>();
      const flips = randomInt(random, 1, 3);
      // Distinct bits: flipping one twice would give back the valid packet.
      while (bits.size < flips) bits.add(randomInt(random, 0, bytes.length * 8 - 1));
      for (const bit of bits) bytes[bit >> 3]! ^= 1 << (bit & 7);
      return bytes;
    },
    oversized: () => {
      const total = randomInt(random, LIMITS.announcementBytes + 1, 2000);
      return Buffer.concat([valid, randomBytes(random, total - valid.length)]);
    },
    unknown_version: () => signed({ version: pick([0, PROTOCOL_VERSION + 1, 255, 0x7fffffff]) }),
    id_mismatch: () => {
      let id = randomBytes(random, 16).toString('hex');
      if (id === identity.id) id = id.replace(/^./, (c) => (c === '0' ? '1' : '0'));
      return signed({ id });
    },
    invalid_field: () =>
      signed(
        pick<Partial<Announcement>>([
          { name: '' },
          { name: 'x'.repeat(LIMITS.nameBytes + 1) },
          { name: 'clear\u001b[2Jscreen' },
          { name: 'evil\u202Egnp.exe' },
          { grpcPort: 0 },
          { grpcPort: 70_000 },
          { host: 'bad host/with spaces' },
          { host: 'h'.repeat(LIMITS.hostBytes + 1) },
          { knownPeers: [{ id: 'not-an-id', name: 'bob', host: '10.0.0.2', grpcPort: 5000 }] },
          { knownPeers: [{ id: identity.id, name: 'bob', host: '', grpcPort: 5000 }] },
          { knownPeers: [{ id: identity.id, name: 'bob', host: '10.0.0.2', grpcPort: 0 }] },
          {
            knownPeers: Array.from({ length: LIMITS.knownPeersPerAnnouncement + 1 }, () => ({
              id: identity.id,
              name: 'p',
              host: '10.0.0.3',
              grpcPort: 1,
            })),
          },
        ]),
      ),
    huge_length_prefix: () => {
      // A length varint near 2^32 (or 2^35, past what uint32 holds), then a few bytes.
      const varint = pick([
        [0xff, 0xff, 0xff, 0xff, 0x0f],
        [0xff, 0xff, 0xff, 0xff, 0x7f],
        [0x80, 0x80, 0x80, 0x80, 0x08],
      ]);
      const tail = randomBytes(random, randomInt(random, 0, 16));
      if (random() < 0.5) return Buffer.concat([Buffer.from([0x0a, ...varint]), tail]);
      // The outer message intact and signed; the known_peers field inside the body lies.
      const body = Buffer.concat([Buffer.from([0x08, PROTOCOL_VERSION, 0x3a, ...varint]), tail]);
      const signature = identity.sign(Buffer.concat([ANNOUNCE_SIGNING_CONTEXT, body]));
      return Buffer.from(SignedAnnouncement.encode({ body, signature }).finish());
    },
  };
}

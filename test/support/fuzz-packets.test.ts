import { describe, expect, it } from 'vitest';
import { generateIdentity } from '../../peer/identity/identity.js';
import { LIMITS } from '../../peer/limits.js';
import { decodeAnnouncement, encodeAnnouncement } from '../../peer/discovery/announcement.js';
import { FUZZ_KINDS, makeFuzzPackets } from './fuzz-packets.js';

const identity = generateIdentity();
const sample = encodeAnnouncement(identity, { name: 'sample', grpcPort: 4000, seq: 3, sentAtMs: Date.now(), knownPeers: [] });

describe('makeFuzzPackets', () => {
  it('reproduces the same packets from the same seed, and others from another', () => {
    const a = makeFuzzPackets(300, 7, sample, identity);
    expect(makeFuzzPackets(300, 7, sample, identity)).toEqual(a);
    expect(makeFuzzPackets(300, 8, sample, identity)).not.toEqual(a);
  });

  it('makes every kind, each one the kind of bad it claims', () => {
    const packets = makeFuzzPackets(2000, 1, sample, identity);
    expect(packets.slice(0, FUZZ_KINDS.length).map((p) => p.kind)).toEqual([...FUZZ_KINDS]);
    const reasons = (kind: string) =>
      new Set(packets.filter((p) => p.kind === kind).map((p) => {
        const r = decodeAnnouncement(p.bytes);
        return r.ok ? 'ok' : r.reason;
      }));
    expect(packets[0]!.bytes.length).toBe(0);
    expect(reasons('empty')).toEqual(new Set(['malformed']));
    expect(reasons('oversized')).toEqual(new Set(['oversized']));
    expect(reasons('unknown_version')).toEqual(new Set(['unknown_version']));
    expect(reasons('id_mismatch')).toEqual(new Set(['id_mismatch']));
    expect(reasons('invalid_field')).toEqual(new Set(['invalid_field']));
    expect(reasons('huge_length_prefix')).toEqual(new Set(['malformed']));
    expect(reasons('truncated').has('ok')).toBe(false);
    expect(reasons('bit_flip').has('ok')).toBe(false);
    const randomLengths = packets.filter((p) => p.kind === 'random').map((p) => p.bytes.length);
    expect(Math.max(...randomLengths)).toBeGreaterThan(LIMITS.announcementBytes);
    expect(Math.min(...randomLengths)).toBeLessThan(100);
  });
});

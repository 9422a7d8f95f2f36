import { describe, expect, it } from 'vitest';
import { generateIdentity } from '../identity/identity.js';
import { decodeAnnouncement, encodeAnnouncement } from './announcement.js';
import { hintsFromAnnouncement, observationFromAnnouncement } from './observation.js';

const alice = generateIdentity();
const hint = { id: 'a'.repeat(32), name: 'bob', host: '10.0.0.7', grpcPort: 6000 };

function decoded(host?: string) {
  const result = decodeAnnouncement(
    encodeAnnouncement(alice, { name: 'alice', grpcPort: 5000, seq: 9, sentAtMs: 1_700_000_000_000, knownPeers: [hint], ...(host ? { host } : {}) }),
  );
  if (!result.ok) throw new Error(result.reason);
  return result.announcement;
}

describe('observationFromAnnouncement', () => {
  it('uses the packet source address unless the announcer names its own host', () => {
    expect(observationFromAnnouncement(decoded(), '192.168.1.5')).toEqual({
      id: alice.id,
      name: 'alice',
      host: '192.168.1.5',
      grpcPort: 5000,
      publicKey: alice.publicKey,
      seq: 9,
    });
    expect(observationFromAnnouncement(decoded('alice.example'), '192.168.1.5').host).toBe('alice.example');
  });

  it('turns known peers into hints without key or seq', () => {
    expect(hintsFromAnnouncement(decoded())).toEqual([hint]);
  });
});

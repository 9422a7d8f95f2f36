/**
 * A Crypto whose signature checks are remembered, for the peers of one `peerlab host`.
 *
 * Hosted peers hear the same packets: every announcement on the LAN, and every group
 * message gossip brings to each of them. Each peer judged each one with its own Ed25519
 * check (about 60 µs here), so a host of K peers paid K checks for one signature: at 50
 * peers per host, a 1,000-peer fleet spent most of its start re-checking the signatures
 * of newcomers' announcements and of their new hash chains. A check is a pure function
 * of its key, bytes and signature, so the host remembers recent verdicts under a SHA-256
 * of all three (about 1 µs): what one peer checked, the others look up. Each peer still
 * decides what a verdict means for it (replays, chains, its own table).
 *
 * A forged packet is remembered as false just as a good one is remembered as true, so a
 * flood of one forgery costs the host one check; the bound keeps memory fixed whatever
 * arrives (the oldest verdict goes first).
 */
import { createHash } from 'node:crypto';
import type { Crypto } from '../core/crypto.js';

/** Verdicts remembered: enough for every sender of a 1,000-peer LAN and a burst of group messages. */
export const VERIFY_MEMO_ENTRIES = 8192;

export interface VerifyMemoStats {
  hits: number;
  misses: number;
}

/** `crypto` with verify() remembered; everything else is `crypto`'s own. */
export function withVerifyMemo(crypto: Crypto, entries = VERIFY_MEMO_ENTRIES): Crypto & { readonly memo: VerifyMemoStats } {
  // Insertion order is age order: a Map keeps it, so the first key is the oldest.
  const verdicts = new Map<string, boolean>();
  const memo: VerifyMemoStats = { hits: 0, misses: 0 };
  return {
    ...crypto,
    memo,
    verify(publicKey, data, signature) {
      const key = keyOf(publicKey, data, signature);
      const known = verdicts.get(key);
      if (known !== undefined) {
        memo.hits++;
        return known;
      }
      memo.misses++;
      const verdict = crypto.verify(publicKey, data, signature);
      verdicts.set(key, verdict);
      if (verdicts.size > entries) verdicts.delete(verdicts.keys().next().value!);
      return verdict;
    },
  };
}

/** SHA-256 over the lengths and bytes of all three, so no two different triples share a key. */
function keyOf(publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): string {
  const lengths = Buffer.alloc(12);
  lengths.writeUInt32BE(publicKey.length, 0);
  lengths.writeUInt32BE(signature.length, 4);
  lengths.writeUInt32BE(data.length, 8);
  return createHash('sha256').update(lengths).update(publicKey).update(signature).update(data).digest('base64');
}

import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { performance } from 'node:perf_hooks';

/** Bytes signed in the measurement: about what a group message body with a 256-byte text is. */
const BODY_BYTES = 360;

/**
 * Ed25519 verifications per second on one core of this machine: node:crypto verify in a
 * loop for about `sampleMs`. Verifying is what bounds gossip ingest (each new copy is
 * verified once), so the lab measures it before a gossip run and sets each peer's
 * signature checks per second against it.
 */
export function measureVerifyCeiling(sampleMs = 300): { perS: number; sampleMs: number } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const body = Buffer.alloc(BODY_BYTES, 7);
  const signature = sign(null, body, privateKey);
  // Warm up: the first calls pay for key parsing and JIT.
  for (let i = 0; i < 50; i++) verify(null, body, publicKey, signature);
  let count = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < sampleMs) {
    for (let i = 0; i < 100; i++) {
      if (!verify(null, body, publicKey, signature)) throw new Error('Ed25519 verify failed on its own signature');
    }
    count += 100;
    elapsed = performance.now() - start;
  }
  return { perS: Math.round((count * 1000) / elapsed), sampleMs: Math.round(elapsed) };
}

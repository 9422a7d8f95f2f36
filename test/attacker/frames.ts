/**
 * AES-256-GCM frame sealing as docs/wire-protocol.md gives it: per direction a
 * key and a counter from 0; nonce = 4 zero bytes || counter (u64 big-endian);
 * AAD = session id || counter (u64 big-endian); ciphertext || 16-byte tag.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { SessionKeys } from './handshake.js';

const TAG_BYTES = 16;

function nonce(counter: number): Buffer {
  const bytes = Buffer.alloc(12);
  bytes.writeBigUInt64BE(BigInt(counter), 4);
  return bytes;
}

function aad(sessionId: Buffer, counter: number): Buffer {
  const bytes = Buffer.alloc(sessionId.length + 8);
  sessionId.copy(bytes, 0);
  bytes.writeBigUInt64BE(BigInt(counter), sessionId.length);
  return bytes;
}

/** Both directions of one session's sealing; counters advance by one per frame. */
export class FrameSealer {
  private nextSend = 0;
  private nextReceive = 0;

  constructor(private readonly keys: SessionKeys) {}

  /** Seals plaintext under the send key as frame `counter` (the next one unless given). */
  seal(plaintext: Uint8Array, counter = this.nextSend++): { counter: number; ciphertext: Buffer } {
    const cipher = createCipheriv('aes-256-gcm', this.keys.sendKey, nonce(counter));
    cipher.setAAD(aad(this.keys.sessionId, counter));
    return { counter, ciphertext: Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]) };
  }

  /** Opens the peer's frame; throws unless it is the next counter and its tag verifies. */
  open(counter: number, ciphertext: Buffer): Buffer {
    if (counter !== this.nextReceive) throw new Error(`frame counter ${counter}, expected ${this.nextReceive}`);
    if (ciphertext.length < TAG_BYTES) throw new Error(`frame of ${ciphertext.length} bytes is shorter than its tag`);
    const decipher = createDecipheriv('aes-256-gcm', this.keys.receiveKey, nonce(counter));
    decipher.setAAD(aad(this.keys.sessionId, counter));
    decipher.setAuthTag(ciphertext.subarray(ciphertext.length - TAG_BYTES));
    const plaintext = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - TAG_BYTES)), decipher.final()]);
    this.nextReceive++;
    return plaintext;
  }
}

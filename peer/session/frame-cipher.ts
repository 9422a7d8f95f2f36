/**
 * Seals and opens the frames of one session with AES-256-GCM.
 *
 * Each direction has its own key and a counter starting at 0. The 12-byte
 * nonce is 4 zero bytes then the 64-bit counter, so a nonce never repeats
 * under a key. The receiver accepts only the next counter: a replayed frame
 * (counter already seen) or a reordered one (a gap) is refused before any
 * decryption is attempted, and a tampered one fails the tag.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { SessionKeys } from './handshake.js';

const TAG_BYTES = 16;

/** Why a frame was refused. */
export class FrameError extends Error {
  constructor(
    readonly reason: 'replay' | 'reorder' | 'auth' | 'oversized',
    message: string,
  ) {
    super(message);
    this.name = 'FrameError';
  }
}

/** One session's pair of directional AEAD states. */
export class FrameCipher {
  private sendCounter = 0n;
  private receiveCounter = 0n;

  constructor(
    private readonly keys: SessionKeys,
    private readonly maxFrameBytes: number,
  ) {}

  /** Seals plaintext as the next frame of this side. */
  seal(plaintext: Uint8Array): { counter: number; ciphertext: Buffer } {
    const counter = this.sendCounter++;
    const cipher = createCipheriv('aes-256-gcm', this.keys.sendKey, nonceFor(counter));
    cipher.setAAD(aadFor(this.keys.sessionId, counter));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return { counter: Number(counter), ciphertext: body };
  }

  /** Opens the peer's next frame, or throws a FrameError saying why not. */
  open(counterNumber: number, ciphertext: Uint8Array): Buffer {
    const counter = BigInt(counterNumber);
    if (counter < this.receiveCounter) {
      throw new FrameError('replay', `frame counter ${counter} was already used (expected ${this.receiveCounter})`);
    }
    if (counter > this.receiveCounter) {
      throw new FrameError('reorder', `frame counter ${counter} skips ahead of ${this.receiveCounter}`);
    }
    if (ciphertext.length > this.maxFrameBytes) {
      throw new FrameError('oversized', `frame is ${ciphertext.length} bytes, over the limit of ${this.maxFrameBytes}`);
    }
    if (ciphertext.length < TAG_BYTES) throw new FrameError('auth', 'frame is shorter than its tag');
    const decipher = createDecipheriv('aes-256-gcm', this.keys.receiveKey, nonceFor(counter));
    decipher.setAAD(aadFor(this.keys.sessionId, counter));
    decipher.setAuthTag(ciphertext.subarray(ciphertext.length - TAG_BYTES));
    let plaintext: Buffer;
    try {
      plaintext = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new FrameError('auth', `frame ${counter} failed authentication (tampered, or sealed under another key)`);
    }
    this.receiveCounter++;
    return plaintext;
  }
}

function nonceFor(counter: bigint): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeBigUInt64BE(counter, 4);
  return nonce;
}

function aadFor(sessionId: Uint8Array, counter: bigint): Buffer {
  const aad = Buffer.alloc(sessionId.length + 8);
  aad.set(sessionId, 0);
  aad.writeBigUInt64BE(counter, sessionId.length);
  return aad;
}

/**
 * The computation the core is handed rather than doing itself, so a simulator
 * can swap in a cheap model of it. Signing is the Identity's (it holds the
 * private key); everything else a handshake, an announcement or a group
 * message needs is here. The real implementation is peer/crypto/node-crypto.ts.
 */

/** An X25519 key pair for one handshake; the private half is opaque to the core. */
export interface X25519KeyPair {
  readonly publicKey: Buffer;
  readonly privateKey: unknown;
}

export interface Crypto {
  /** Checks an Ed25519 signature; false (never a throw) for a malformed key or signature. */
  verify(publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean;
  /** A fresh X25519 key pair. */
  x25519KeyPair(): X25519KeyPair;
  /** The X25519 shared secret; throws for a public key that is not a valid X25519 point. */
  x25519(privateKey: unknown, peerPublicKey: Uint8Array): Buffer;
  /** HKDF-SHA256. */
  hkdf(secret: Uint8Array, salt: Uint8Array, info: string, length: number): Buffer;
  /** `length` unpredictable bytes (nonces, session ids, message ids). */
  randomBytes(length: number): Buffer;
  /** One step back along an announcement hash chain: SHA-256 of a 32-byte element (peer/discovery/hash-chain.ts). */
  chainStep(element: Uint8Array): Buffer;
}

/**
 * Bytes a frame of items takes on the wire, for the CPU model (AEAD per byte) and link
 * bandwidth. Estimated from the fields' lengths (within a few bytes of protobuf's
 * encoding) rather than encoded: the simulator passes items as objects, never as bytes.
 */
import type { Item } from '../../../proto/gen/peerlab/wire/v1/wire.pb.js';

/** A sealed frame around its items: counter, GCM tag, gRPC and HTTP/2 framing. */
export const FRAME_OVERHEAD_BYTES = 40;
/** A handshake or exchange RPC: keys, nonce, signature, name, framing. */
export const RPC_BYTES = 300;

/** Estimated encoded bytes of one item. */
export function itemBytes(item: Item): number {
  const kind = item.kind;
  switch (kind?.$case) {
    case 'direct':
      return 16 + kind.value.id.length + Buffer.byteLength(kind.value.text) + 9;
    case 'ack':
      return 4 + kind.value.id.length;
    case 'ping':
    case 'pong':
      return 8;
    case 'group':
      return 16 + kind.value.body.length + kind.value.signature.length + kind.value.authorKey.length;
    case 'digest':
      return 12 + kind.value.ids.reduce((n, id) => n + id.length + 2, 0);
    case 'pull':
      return 4 + kind.value.ids.reduce((n, id) => n + id.length + 2, 0);
    default:
      return 2;
  }
}

/** Estimated bytes of a frame carrying `items`. */
export function frameBytes(items: readonly Item[]): number {
  let n = FRAME_OVERHEAD_BYTES;
  for (const item of items) n += itemBytes(item);
  return n;
}

/**
 * An attacker's sealed Session stream to a peer: handshake, open the stream
 * under the session id, confirm the keys with a first frame, then send items
 * (one frame per call) and keep every item the peer sends back. Pings are
 * answered with pongs, as a peer must, or the peer's keepalive drops the session.
 */
import * as grpc from '@grpc/grpc-js';
import { FrameSealer } from './frames.js';
import { handshake } from './handshake.js';
import { wireMessage, wireMethod, type ProtoObject } from './protos.js';
import { SESSION_METADATA_KEY } from './protocol.js';
import type { AttackerIdentity } from './wire.js';

export interface AttackerSession {
  /** Sends one direct message in a frame of its own. */
  sendDirect(id: string, text: string, sentAtMs?: number): void;
  /** Seals `items` (Item objects, e.g. `{ ack: { id } }`) as the next frame and sends it. */
  sendItems(items: Record<string, unknown>[]): void;
  /** Seals `items` as frame `counter` (the next one unless given) without sending it: for replays. */
  sealItems(items: Record<string, unknown>[], counter?: number): { counter: number; ciphertext: Buffer };
  /** Writes a SealedFrame as is (a replay, a tampered frame, garbage). */
  writeFrame(frame: { counter: number; ciphertext: Buffer }): void;
  /** Items the peer sent, opened, in order; each has `kind` naming its member ("ack", "ping", ...). */
  received: Record<string, unknown>[];
  /** Resolves once the peer acked message `id`; rejects at the deadline or when the stream ends first. */
  waitForAck(id: string, timeoutMs: number): Promise<void>;
  /** The status the stream ended with (code -1: a frame from the peer did not open here). */
  ended: Promise<{ code: number; details: string }>;
  close(): void;
}

const FramePayload = wireMessage('FramePayload');

/**
 * Handshakes with the peer at `address` whose id is `responderId`, opens the Session
 * stream and resolves once the peer answered the first frame (so the session is up
 * there); throws, with the peer's status, when it refuses either.
 */
export async function openSession(
  address: string,
  identity: AttackerIdentity,
  responderId: string,
  opts: { name: string; grpcPort?: number; answerPings?: boolean },
): Promise<AttackerSession> {
  const { keys, client } = await handshake(address, identity, responderId, opts);
  const sealer = new FrameSealer(keys);
  const metadata = new grpc.Metadata();
  metadata.set(SESSION_METADATA_KEY, keys.sessionId.toString('hex'));
  const method = wireMethod('Session');
  const stream = client.makeBidiStreamRequest(method.path, method.requestSerialize, method.responseDeserialize, metadata, {});
  const received: ProtoObject[] = [];
  const listeners = new Set<() => void>();
  let endStatus: { code: number; details: string } | undefined;
  let resolveEnded!: (status: { code: number; details: string }) => void;
  const ended = new Promise<{ code: number; details: string }>((resolve) => {
    resolveEnded = (status) => {
      if (endStatus) return;
      endStatus = status;
      resolve(status);
      for (const listener of [...listeners]) listener();
    };
  });
  stream.on('status', (status: grpc.StatusObject) => resolveEnded({ code: status.code, details: status.details }));
  stream.on('error', () => undefined); // the status carries the same
  const sealItems = (items: ProtoObject[], counter?: number) => sealer.seal(FramePayload.encode({ items }), counter);
  const sendItems = (items: ProtoObject[]) => {
    if (!endStatus) stream.write(sealItems(items));
  };
  stream.on('data', (frame: { counter: number; ciphertext: Buffer }) => {
    let items: ProtoObject[];
    try {
      items = FramePayload.decode(sealer.open(frame.counter, frame.ciphertext)).items as ProtoObject[];
    } catch (err) {
      resolveEnded({ code: -1, details: `frame from the peer did not open: ${(err as Error).message}` });
      stream.cancel();
      return;
    }
    received.push(...items);
    const pings = items.filter((item) => item.kind === 'ping');
    if ((opts.answerPings ?? true) && pings.length > 0) {
      sendItems(pings.map((ping) => ({ pong: { nonce: (ping.ping as { nonce: number }).nonce } })));
    }
    for (const listener of [...listeners]) listener();
  });
  const waitUntil = (holds: () => boolean, timeoutMs: number, what: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (holds()) finish(() => resolve());
        else if (endStatus) finish(() => reject(new Error(`session ended before ${what}: ${endStatus!.code} ${endStatus!.details}`)));
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`no ${what} within ${timeoutMs} ms`))), timeoutMs);
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        listeners.delete(check);
        settle();
      };
      listeners.add(check);
      check();
    });

  // The first frame confirms the keys: the peer counts the session as up only once one opens.
  // Its pong shows the peer took it, so the session is up at the peer when this returns.
  sendItems([{ ping: { nonce: 0 } }]);
  try {
    await waitUntil(() => received.some((item) => item.kind === 'pong'), 10_000, 'the pong to the first frame');
  } catch (err) {
    stream.cancel();
    client.close();
    throw err;
  }

  const hasAck = (id: string) => received.some((item) => item.kind === 'ack' && (item.ack as { id: string }).id === id);
  return {
    sendDirect: (id, text, sentAtMs = Date.now()) => sendItems([{ direct: { id, text, sentAtMs } }]),
    sendItems,
    sealItems,
    writeFrame: (frame) => stream.write(frame),
    received,
    ended,
    waitForAck: (id, timeoutMs) => waitUntil(() => hasAck(id), timeoutMs, `the ack of ${id}`),
    close: () => {
      stream.cancel();
      client.close();
    },
  };
}

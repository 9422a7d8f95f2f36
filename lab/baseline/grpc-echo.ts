/**
 * A raw loopback grpc-js echo in the lab's own process: one bidi stream, raw Buffer
 * serializers (no protobuf, no sealing, no storage), one message in flight at a time.
 * What it measures is the machine and grpc-js, never the product, so two reports can
 * tell "the code got slower" from "the machine got slower".
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';

const asIs = (b: Buffer): Buffer => b;
const ECHO_PATH = '/peerlab.baseline.v1.Echo/Echo';

const ECHO_SERVICE: grpc.ServiceDefinition = {
  echo: { path: ECHO_PATH, requestStream: true, responseStream: true, requestSerialize: asIs, requestDeserialize: asIs, responseSerialize: asIs, responseDeserialize: asIs },
};

export interface EchoOptions {
  /** Round trips timed (after the warm-up). */
  roundTrips?: number;
  /** Round trips not timed: connection set-up and JIT warm-up. */
  warmup?: number;
  /** Bytes per message; the lab's load sends 256. */
  payloadBytes?: number;
  /** Stop timing after this long, however many round trips were done. */
  maxMs?: number;
}

/** Times round trips of a loopback grpc-js stream echo; returns each one in µs. */
export async function measureGrpcEcho({ roundTrips = 300, warmup = 50, payloadBytes = 256, maxMs = 1_000 }: EchoOptions = {}): Promise<number[]> {
  const server = new grpc.Server();
  server.addService(ECHO_SERVICE, {
    echo: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
      call.on('data', (payload: Buffer) => call.write(payload));
      call.on('end', () => call.end());
      call.on('error', () => {});
    },
  });
  const client = await bind(server).then((port) => new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()));
  const call = client.makeBidiStreamRequest(ECHO_PATH, asIs, asIs);
  try {
    const payload = randomBytes(payloadBytes);
    let answered: (() => void) | undefined;
    let failed: ((err: Error) => void) | undefined;
    call.on('data', () => answered?.());
    call.on('error', (err: Error) => failed?.(err));
    const once = () =>
      new Promise<void>((resolve, reject) => {
        answered = resolve;
        failed = reject;
        call.write(payload);
      });
    for (let i = 0; i < warmup; i++) await once();
    const samples: number[] = [];
    const deadline = performance.now() + maxMs;
    while (samples.length < roundTrips && performance.now() < deadline) {
      const start = performance.now();
      await once();
      samples.push((performance.now() - start) * 1000);
    }
    return samples;
  } finally {
    call.end();
    client.close();
    server.forceShutdown();
  }
}

function bind(server: grpc.Server): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
  );
}

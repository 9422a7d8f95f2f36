/**
 * The baseline: a plain grpc-js bidi stream carrying one gRPC message per
 * payload, no sealing, no protobuf (raw Buffer serializers), no storage.
 * One child serves (counts what arrives, echoes on a second method), the
 * other dials and writes, honouring backpressure. Driven by the bench over IPC.
 */
import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { serveParent } from './child-ipc.js';
import { timeSequential } from './latency.js';
import { markNow } from './window-mark.js';

const asIs = (b: Buffer): Buffer => b;

/** A bidi method that carries raw bytes both ways. */
const bidiBytes = (path: string) => ({
  path,
  requestStream: true,
  responseStream: true,
  requestSerialize: asIs,
  requestDeserialize: asIs,
  responseSerialize: asIs,
  responseDeserialize: asIs,
});

/** A tiny service defined in code: Flood (server counts) and Echo (server writes each message back). */
const RAW_SERVICE: grpc.ServiceDefinition = {
  flood: bidiBytes('/peerlab.bench.v1.Raw/Flood'),
  echo: bidiBytes('/peerlab.bench.v1.Raw/Echo'),
};

const RawClient = grpc.makeGenericClientConstructor(RAW_SERVICE, 'Raw');

/** Writes in a row before yielding to IO, so IPC commands get through even if write() never pushes back. */
const MAX_WRITES_PER_TURN = 4096;

let server: grpc.Server | undefined;
let client: grpc.Client | undefined;
let received = 0;
let flood: { stop: () => void } | undefined;

const commands = {
  /** Serves the Raw service on 127.0.0.1 and returns the port. */
  async serve(): Promise<{ port: number }> {
    server = new grpc.Server();
    server.addService(RAW_SERVICE, {
      flood: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
        call.on('data', () => received++);
        call.on('end', () => call.end());
        call.on('error', () => {});
      },
      echo: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
        call.on('data', (payload: Buffer) => call.write(payload));
        call.on('end', () => call.end());
        call.on('error', () => {});
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server!.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
    );
    return { port };
  },

  /** Dials the serving child. */
  connect({ port }: { port: number }): void {
    client = new RawClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  },

  /** Echo round trips of one `payloadBytes` message at a time, in µs. */
  async echoRtt({ payloadBytes, warmup, samples, maxMs }: { payloadBytes: number; warmup: number; samples: number; maxMs: number }) {
    if (!client) throw new Error('connect first');
    const call = client.makeBidiStreamRequest('/peerlab.bench.v1.Raw/Echo', asIs, asIs);
    const payload = randomBytes(payloadBytes);
    let waiter: (() => void) | undefined;
    call.on('data', () => waiter?.());
    call.on('error', () => {});
    const summary = await timeSequential(
      () =>
        new Promise<void>((resolve) => {
          waiter = resolve;
          call.write(payload);
        }),
      { warmup, samples, maxMs },
    );
    call.end();
    return summary;
  },

  /** Starts writing `payloadBytes` messages on one Flood stream, as fast as backpressure allows; returns at once. */
  floodStart({ payloadBytes }: { payloadBytes: number }): void {
    if (!client) throw new Error('connect first');
    if (flood) throw new Error('a flood is already running');
    const call = client.makeBidiStreamRequest('/peerlab.bench.v1.Raw/Flood', asIs, asIs);
    call.on('error', () => {});
    call.on('data', () => {});
    const payload = randomBytes(payloadBytes);
    let running = true;
    const pump = (): void => {
      for (let i = 0; running && i < MAX_WRITES_PER_TURN; i++) {
        if (!call.write(payload)) {
          call.once('drain', pump);
          return;
        }
      }
      if (running) setImmediate(pump);
    };
    pump();
    flood = {
      stop: () => {
        running = false;
        call.end();
        flood = undefined;
      },
    };
  },

  floodStop(): void {
    flood?.stop();
  },

  /** Messages received so far by the serving side, with this process's clock and CPU. */
  mark() {
    return markNow(received);
  },
};

export type RawGrpcChildCommands = typeof commands;

serveParent(commands, async () => {
  flood?.stop();
  client?.close();
  server?.forceShutdown();
});

/**
 * A bare client of a peer's control API on 127.0.0.1, from control.proto:
 * any unary method by name, any request object, the bearer token in metadata.
 * Requests are not checked here, so oversized or odd values reach the peer.
 */
import * as grpc from '@grpc/grpc-js';
import { controlMethods, type ProtoObject } from './protos.js';

type ControlResult = { ok: true; response: any } | { ok: false; code: number; details: string };

/** A control client for the peer whose control port is `port`. */
export function controlClient(
  port: number,
  token: string,
): { call(method: string, request: Record<string, unknown>, timeoutMs?: number): Promise<ControlResult>; close(): void } {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return {
    call(name, request, timeoutMs = 10_000) {
      const method = controlMethods[name] ?? Object.values(controlMethods).find((m) => m.originalName === name);
      if (!method || method.requestStream || method.responseStream) {
        const unary = Object.entries(controlMethods).filter(([, m]) => !m.requestStream && !m.responseStream);
        return Promise.reject(new Error(`Control has no unary method ${JSON.stringify(name)}; it has ${unary.map(([n]) => n).join(', ')}`));
      }
      return new Promise((resolve) => {
        client.makeUnaryRequest(
          method.path,
          method.requestSerialize,
          method.responseDeserialize,
          request,
          metadata,
          { deadline: Date.now() + timeoutMs },
          (err: grpc.ServiceError | null, response?: ProtoObject) =>
            resolve(err ? { ok: false, code: err.code, details: err.details } : { ok: true, response }),
        );
      });
    },
    close: () => client.close(),
  };
}

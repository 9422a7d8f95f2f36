/**
 * The two .proto files, loaded at run time with @grpc/proto-loader: codecs for
 * every message type and gRPC client constructors for both services. Nothing
 * here comes from the peer's generated code, so a change to the .proto files
 * is all the attacker sees.
 *
 * Objects are proto-loader's shape: camelCase field names, uint64 as numbers,
 * bytes as Buffers, defaults filled in, and a oneof's present member named by
 * a virtual property (an Item decodes as `{ direct: {...}, kind: 'direct' }`).
 */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const LOADER_OPTIONS: protoLoader.Options = { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true };

const protoPath = (relative: string) => fileURLToPath(new URL(`../../proto/${relative}`, import.meta.url));

const wire = protoLoader.loadSync(protoPath('peerlab/wire/v1/wire.proto'), LOADER_OPTIONS);
const control = protoLoader.loadSync(protoPath('peerlab/control/v1/control.proto'), LOADER_OPTIONS);

/** A decoded message: field names in camelCase. */
export type ProtoObject = Record<string, unknown>;

/** Encodes and decodes one message type. */
export interface MessageCodec {
  encode(value: ProtoObject): Buffer;
  decode(bytes: Uint8Array): ProtoObject;
  /** True when the loaded .proto declares this (camelCase) field. */
  hasField(name: string): boolean;
}

function codec(definitions: protoLoader.PackageDefinition, fullName: string): MessageCodec {
  const definition = definitions[fullName] as protoLoader.MessageTypeDefinition<ProtoObject, ProtoObject> | undefined;
  if (!definition || definition.format !== 'Protocol Buffer 3 DescriptorProto') {
    throw new Error(`${fullName} is not a message type in the loaded .proto files`);
  }
  const fields = (definition.type as { field?: { name: string }[] }).field ?? [];
  return {
    encode: (value) => definition.serialize(value),
    decode: (bytes) => definition.deserialize(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)),
    hasField: (name) => fields.some((field) => field.name === name),
  };
}

/** The codec of a message type of peerlab.wire.v1, by its short name ("Announcement"). */
export function wireMessage(name: string): MessageCodec {
  return codec(wire, `peerlab.wire.v1.${name}`);
}

/** A method of a loaded service: its path and codecs, for grpc.Client's make*Request calls. */
export type Method = grpc.MethodDefinition<ProtoObject, ProtoObject>;

function service(definitions: protoLoader.PackageDefinition, fullName: string): Record<string, Method> {
  const found = definitions[fullName] as Record<string, Method> | undefined;
  if (!found || 'format' in found) throw new Error(`${fullName} is not a service in the loaded .proto files`);
  return found;
}

/** The methods of peerlab.wire.v1.PeerWire, by name: Exchange, Handshake, Session. */
export const wireMethods = service(wire, 'peerlab.wire.v1.PeerWire');

/** The methods of peerlab.control.v1.Control, by name: Whoami, Send, Stats, ... */
export const controlMethods = service(control, 'peerlab.control.v1.Control');

/** The named method of the PeerWire service; throws if the loaded .proto lacks it. */
export function wireMethod(name: string): Method {
  const method = wireMethods[name];
  if (!method) throw new Error(`peerlab.wire.v1.PeerWire has no method ${name} (it has ${Object.keys(wireMethods).join(', ')})`);
  return method;
}

/** A plain gRPC client of the peer wire port at `address` ("host:port"), no TLS (the protocol seals its own frames). */
export function wireClient(address: string): grpc.Client {
  return new grpc.Client(address, grpc.credentials.createInsecure());
}

/**
 * gRPC unary calls spoken over Node's own http2 module, from a chosen local
 * address (127.0.0.2, ...), so a test can play a remote host of its own
 * against peers that all live on 127.0.0.1. gRPC over HTTP/2: a POST to
 * /package.Service/Method with content-type application/grpc and te: trailers,
 * the request as one length-prefixed message (1 flag byte, 4 length bytes),
 * the status in the grpc-status / grpc-message trailers.
 */
import { connect as connectHttp2, constants, type ClientHttp2Session } from 'node:http2';
import { connect as connectTcp, type Socket } from 'node:net';

export interface UnaryResult {
  /** grpc-status (0 OK); -1 when the stream broke before a status came. */
  code: number;
  /** grpc-message, percent-decoded. */
  details: string;
  /** The response message, without its length prefix. */
  response: Buffer;
}

export interface Http2Connection {
  readonly session: ClientHttp2Session;
  /** Resolves when the connection is closed, by either side. */
  readonly closed: Promise<void>;
  /** Calls `path` ("/peerlab.wire.v1.PeerWire/Handshake") with an encoded request message. */
  unary(path: string, request: Uint8Array, timeoutMs?: number): Promise<UnaryResult>;
  close(): void;
}

/** A TCP connection to host:port from `localAddress`; resolves once connected. */
export function connectFrom(host: string, port: number, localAddress: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host, port, localAddress });
    socket.once('connect', () => {
      socket.off('error', reject);
      // The peer may reset it (that is what the tests look for): not an uncaught error.
      socket.on('error', () => undefined);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** An HTTP/2 connection to the gRPC server at host:port, opened from `localAddress`; resolves once the settings are exchanged. */
export async function http2From(host: string, port: number, localAddress: string): Promise<Http2Connection> {
  const socket = await connectFrom(host, port, localAddress);
  const session = connectHttp2(`http://${host}:${port}`, { createConnection: () => socket });
  const closed = new Promise<void>((resolve) => session.once('close', () => resolve()));
  session.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    session.once('connect', () => resolve());
    session.once('close', () => reject(new Error(`http2 connection to ${host}:${port} closed before it was set up`)));
  });
  return { session, closed, unary: (path, request, timeoutMs = 10_000) => unary(session, path, request, timeoutMs), close: () => session.destroy() };
}

function unary(session: ClientHttp2Session, path: string, request: Uint8Array, timeoutMs: number): Promise<UnaryResult> {
  const framed = Buffer.alloc(5 + request.length);
  framed.writeUInt32BE(request.length, 1);
  Buffer.from(request.buffer, request.byteOffset, request.byteLength).copy(framed, 5);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let status: Record<string, unknown> = {};
    const finish = () => {
      clearTimeout(timer);
      const body = Buffer.concat(chunks);
      const code = status['grpc-status'] === undefined ? -1 : Number(status['grpc-status']);
      const details = decodeURIComponent(String(status['grpc-message'] ?? ''));
      resolve({ code, details, response: body.length >= 5 ? body.subarray(5, 5 + body.readUInt32BE(1)) : Buffer.alloc(0) });
    };
    let stream;
    try {
      stream = session.request({
        [constants.HTTP2_HEADER_METHOD]: 'POST',
        [constants.HTTP2_HEADER_PATH]: path,
        [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
        te: 'trailers',
      });
    } catch {
      resolve({ code: -1, details: 'the connection is closed', response: Buffer.alloc(0) });
      return;
    }
    const timer = setTimeout(() => stream.close(constants.NGHTTP2_CANCEL), timeoutMs);
    // A trailers-only response puts grpc-status in the headers.
    stream.on('response', (headers) => (status = { ...status, ...headers }));
    stream.on('trailers', (trailers) => (status = { ...status, ...trailers }));
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('error', () => undefined);
    stream.on('close', finish);
    stream.end(framed);
  });
}

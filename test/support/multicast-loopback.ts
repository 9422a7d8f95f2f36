/**
 * Multicast on loopback for tests. Traffic must never leave this machine: every
 * socket here joins and sends on 127.0.0.1 with TTL 0 (without the interface
 * argument the route for 239.x goes out of eth0).
 */
import dgram, { type Socket } from 'node:dgram';

/** Loopback interface every discovery test uses. */
export const LOOPBACK = '127.0.0.1';

/** A random organization-local group and port, so parallel test files never hear each other. */
export function randomMulticastEndpoint(): { group: string; port: number } {
  const octet = () => 1 + Math.floor(Math.random() * 254);
  return { group: `239.255.${octet()}.${octet()}`, port: 20_000 + Math.floor(Math.random() * 40_000) };
}

/** A raw sender of datagrams to a group over loopback: what a hostile or broken peer would send. */
export interface LoopbackSender extends AsyncDisposable {
  /** Sends one datagram; resolves once the kernel took it. */
  send(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/** Opens a raw loopback sender to `group:port`. */
export async function openLoopbackSender(group: string, port: number): Promise<LoopbackSender> {
  const socket: Socket = dgram.createSocket({ type: 'udp4' });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ port: 0, address: LOOPBACK }, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  socket.setMulticastInterface(LOOPBACK);
  socket.setMulticastTTL(0);
  socket.setMulticastLoopback(true);
  const close = () => new Promise<void>((resolve) => socket.close(() => resolve()));
  return {
    send: (bytes) =>
      new Promise<void>((resolve, reject) => socket.send(bytes, port, group, (err) => (err ? reject(err) : resolve()))),
    close,
    [Symbol.asyncDispose]: close,
  };
}

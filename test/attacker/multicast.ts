/**
 * Discovery datagrams over loopback only: every socket here sends and joins on
 * 127.0.0.1 with TTL 0, so nothing an attack sends can leave the machine.
 */
import dgram, { type Socket } from 'node:dgram';

const LOOPBACK = '127.0.0.1';

function bind(socket: Socket, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ port, address }, () => {
      socket.off('error', reject);
      resolve();
    });
  });
}

function close(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}

/** Sends one datagram to `group:port` from 127.0.0.1; resolves once the kernel took it. */
export async function sendDatagram(bytes: Uint8Array, group: string, port: number): Promise<void> {
  const socket = dgram.createSocket({ type: 'udp4' });
  try {
    await bind(socket, 0, LOOPBACK);
    socket.setMulticastInterface(LOOPBACK);
    socket.setMulticastTTL(0);
    socket.setMulticastLoopback(true);
    await new Promise<void>((resolve, reject) => socket.send(bytes, port, group, (err) => (err ? reject(err) : resolve())));
  } finally {
    await close(socket);
  }
}

/** A datagram heard on the group. `atMs` is the local wall clock when it arrived. */
export interface CapturedPacket {
  bytes: Buffer;
  from: string;
  atMs: number;
}

/** Listens to `group:port` on loopback and keeps every datagram heard, until closed. */
export async function captureMulticast(group: string, port: number): Promise<{ packets: CapturedPacket[]; close(): Promise<void> }> {
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  const packets: CapturedPacket[] = [];
  socket.on('message', (bytes, rinfo) => packets.push({ bytes, from: rinfo.address, atMs: Date.now() }));
  try {
    // Bound to the group address, not 127.0.0.1 (which never receives a datagram sent to the
    // group) nor 0.0.0.0 (which Linux hands every group's datagrams on this port).
    await bind(socket, port, group);
    socket.addMembership(group, LOOPBACK);
  } catch (err) {
    await close(socket);
    throw new Error(`Cannot capture multicast ${group}:${port} on ${LOOPBACK}: ${(err as Error).message}`, { cause: err });
  }
  socket.on('error', () => undefined); // after start, a socket error only ends the capture
  return { packets, close: () => close(socket) };
}

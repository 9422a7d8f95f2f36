/**
 * The receiving half of multicast discovery: one UDP socket bound to the group's port
 * and joined on the interfaces, each datagram's form checked once and handed to every
 * listener. A peer has one of its own. The peers of one `peerlab host` share one
 * (SharedMulticastReceivers): a packet is then read from the kernel and decoded once per
 * process, not once per hosted peer, which at K peers per host was K reads and K decodes
 * of every announcement on the LAN. What a packet means to a peer (its own, a replay,
 * another's) stays with each peer's MulticastDiscovery.
 */
import dgram, { type RemoteInfo, type Socket } from 'node:dgram';
import { checkPacket, type FormResult } from './announcement.js';
import { lanIPv4Addresses } from './lan-interfaces.js';

/** One datagram heard, its form checked (once, for every listener). */
export interface MulticastPacket {
  bytes: Buffer;
  form: FormResult;
  from: RemoteInfo;
}

/** Who hears a receiver: each packet, and each socket or join error. */
export interface ReceiverListener {
  onPacket(packet: MulticastPacket): void;
  onError(counter: 'socket_errors' | 'join_errors', error: Error): void;
}

/** Where a receiver listens. */
export interface ReceiverAddress {
  group: string;
  port: number;
  /** Join only on this local IPv4 address; absent: every non-internal IPv4 interface. */
  interfaceAddress?: string;
}

export class MulticastReceiver {
  private socket: Socket | undefined;
  private stopped = false;
  readonly listeners = new Set<ReceiverListener>();

  constructor(readonly address: ReceiverAddress) {}

  /** Binds the port and joins the group; rejects when that is impossible (a named interface that cannot join included). */
  async start(): Promise<void> {
    const { group, port, interfaceAddress } = this.address;
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    this.socket = socket;
    socket.on('error', (err) => this.fail('socket_errors', err));
    socket.on('message', (bytes, from) => this.onMessage(bytes, from));
    try {
      // Bound to the group address, not 0.0.0.0: Linux hands a socket bound to the
      // wildcard every group's datagrams on that port (IP_MULTICAST_ALL), joined or not.
      await bind(socket, port, group).catch((err: Error) => {
        throw new Error(`Cannot bind UDP ${group}:${port} for discovery: ${err.message}`, { cause: err });
      });
      if (this.stopped) throw new Error('MulticastReceiver stopped while starting');
      for (const address of this.targetAddresses()) {
        const err = this.join(address);
        // A named interface that cannot join is a setting the user must fix.
        if (err && interfaceAddress !== undefined) throw err;
        if (err) this.fail('join_errors', err);
      }
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** The local addresses it joins (and its peers send) on now. */
  targetAddresses(): string[] {
    return this.address.interfaceAddress !== undefined ? [this.address.interfaceAddress] : lanIPv4Addresses();
  }

  /**
   * Joins the group again on every target address (membership is lost when a network is
   * re-attached); errors go to the listeners. Its peers' MulticastDiscovery calls it on
   * their re-join timer: a shared receiver is re-joined by each (a join already made costs
   * one refused system call).
   */
  rejoin(): void {
    if (this.stopped) return;
    for (const address of this.targetAddresses()) {
      const err = this.join(address);
      if (err) this.fail('join_errors', err);
    }
  }

  /** Closes the socket. Safe to call more than once. */
  async stop(): Promise<void> {
    this.stopped = true;
    const socket = this.socket;
    this.socket = undefined;
    if (socket) await close(socket);
  }

  private onMessage(bytes: Buffer, from: RemoteInfo): void {
    let form: FormResult;
    try {
      form = checkPacket(bytes);
    } catch {
      form = { ok: false, reason: 'malformed' };
    }
    const packet = { bytes, form, from };
    // Each listener guards its own callbacks (MulticastDiscovery counts callback_errors).
    for (const listener of this.listeners) listener.onPacket(packet);
  }

  /** Joins the group on one interface; returns the error instead of throwing. */
  private join(address: string): Error | undefined {
    try {
      this.socket?.addMembership(this.address.group, address);
      return undefined;
    } catch (err) {
      // EADDRINUSE: already a member, which is what a periodic re-join mostly finds.
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') return undefined;
      return new Error(`Cannot join multicast group ${this.address.group} on ${address}: ${(err as Error).message}`, { cause: err });
    }
  }

  private fail(counter: 'socket_errors' | 'join_errors', error: Error): void {
    for (const listener of this.listeners) listener.onError(counter, error);
  }
}

/**
 * The receivers of one process, one per group, port and interface, shared by the peers
 * that listen there (a `peerlab host`'s): the first peer to need one starts it, the last
 * to let go stops it.
 */
export class SharedMulticastReceivers {
  private readonly receivers = new Map<string, { receiver: MulticastReceiver; users: number; started: Promise<void> }>();

  /** The receiver for `address`, started; call release() with it when done. */
  async acquire(address: ReceiverAddress): Promise<MulticastReceiver> {
    const key = keyOf(address);
    let shared = this.receivers.get(key);
    if (!shared) {
      const receiver = new MulticastReceiver(address);
      const started = receiver.start().catch((err: unknown) => {
        this.receivers.delete(key);
        throw err;
      });
      this.receivers.set(key, (shared = { receiver, users: 0, started }));
    }
    shared.users++;
    try {
      await shared.started;
    } catch (err) {
      shared.users--;
      throw err;
    }
    return shared.receiver;
  }

  /** Lets go of a receiver acquire() gave; the last user's release stops it. */
  async release(receiver: MulticastReceiver): Promise<void> {
    const key = keyOf(receiver.address);
    const shared = this.receivers.get(key);
    if (shared?.receiver !== receiver || --shared.users > 0) return;
    this.receivers.delete(key);
    await receiver.stop();
  }

  /** Receivers open now (for tests and stats). */
  get size(): number {
    return this.receivers.size;
  }
}

/** One receiver per group, port and interface. */
function keyOf(address: ReceiverAddress): string {
  return `${address.group}:${address.port}@${address.interfaceAddress ?? '*'}`;
}

/** Binds a UDP socket; rejects with the bind error (EADDRINUSE, EADDRNOTAVAIL). */
export function bind(socket: Socket, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    socket.once('error', onError);
    socket.bind({ port, address }, () => {
      socket.off('error', onError);
      resolve();
    });
  });
}

/** Closes a UDP socket; resolves also when it was closed already. */
export function close(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}

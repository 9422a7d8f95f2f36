/**
 * The UDP multicast adapter of LAN discovery: sends this peer's announcement
 * packets and hands on the well-formed announcements it hears; whether one is
 * really its sender's (a signature, or the sender's hash chain) is the core's
 * to check (peer/core/announcement-verifier.ts). Nothing a remote sends can
 * crash it: every packet is checked by the codec, every drop counted. It hears
 * through a receiver of its own, or through the one its `peerlab host` shares
 * among its peers (multicast-receiver.ts); what a packet means to this peer (its
 * own, a replay of its own, another's) is decided here either way.
 */
import dgram, { type Socket } from 'node:dgram';
import { LIMITS } from '../limits.js';
import { DROP_REASONS, type DropReason, type WellFormedAnnouncement } from './announcement.js';
import { DISCOVERY_DEFAULTS, DiscoveryOptionsError, isMulticastGroup } from './discovery-options.js';
import { multicastTtlFor } from './lan-interfaces.js';
import { bind, close, MulticastReceiver, type MulticastPacket, type ReceiverListener, type SharedMulticastReceivers } from './multicast-receiver.js';

/** Settings and callbacks of a MulticastDiscovery. */
export interface MulticastDiscoveryOptions {
  group: string;
  port: number;
  /** Join and send only on this local IPv4 address; absent: every non-internal IPv4 interface. */
  interfaceAddress?: string;
  selfId: string;
  /** A well-formed announcement from another peer (its signature is not checked here). */
  onAnnouncement(heard: WellFormedAnnouncement, from: { address: string; port: number }): void;
  /** Our own announcement came back: `address` is how the network sees this peer. */
  onSelf?(address: string): void;
  /** A socket, join or send error; counted too, never thrown. */
  onError?(error: Error): void;
  /** Interval between group re-joins, ms (membership is lost when a network is re-attached). */
  rejoinEveryMs?: number;
  /** The process's shared receivers (a `peerlab host`'s): hear the group through one socket per process instead of one of its own. */
  receivers?: SharedMulticastReceivers;
}

/** Drops the adapter counts: every reason but bad_signature, which the core counts (it checks signatures). */
export const ADAPTER_DROP_REASONS = DROP_REASONS.filter((reason): reason is AdapterDropReason => reason !== 'bad_signature');
type AdapterDropReason = Exclude<DropReason, 'bad_signature'>;

/** What the adapter counts; every received packet ends in exactly one of accepted (well formed, handed on), self, self_replayed, dropped.*. */
export type MulticastCounters = {
  received: number;
  accepted: number;
  /** Our own announcements heard back (each one an onSelf call). */
  self: number;
  /** Our id and key, but bytes this adapter did not send: a replay, or a second process with our identity. */
  self_replayed: number;
  send_errors: number;
  socket_errors: number;
  join_errors: number;
  callback_errors: number;
  rejoins: number;
} & Record<`dropped.${AdapterDropReason}`, number>;

type State = 'new' | 'starting' | 'started' | 'stopped';

// Own packets are recognised by their bytes; a few cover several interfaces and a
// packet or two in flight.
const RECENTLY_SENT = 8;

/** LAN discovery over UDP multicast: start(), send(packet), stop(). */
export class MulticastDiscovery implements AsyncDisposable {
  private readonly options: MulticastDiscoveryOptions;
  private readonly rejoinEveryMs: number;
  private state: State = 'new';
  private receiver: MulticastReceiver | undefined;
  private readonly listener: ReceiverListener = {
    onPacket: (packet) => this.onPacket(packet),
    onError: (counter, error) => this.fail(counter, error),
  };
  /** One sending socket per interface address, so each packet leaves on a known interface. */
  private readonly tx = new Map<string, Socket>();
  private rejoinTimer: NodeJS.Timeout | undefined;
  private rejoining = false;
  private readonly recentlySent: Buffer[] = [];
  private readonly count: MulticastCounters;

  constructor(options: MulticastDiscoveryOptions) {
    if (!isMulticastGroup(options.group)) {
      throw new DiscoveryOptionsError('group', options.group, 'must be an IPv4 multicast address in 224.0.0.0/4');
    }
    if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) {
      throw new DiscoveryOptionsError('port', options.port, 'must be an integer from 1 to 65535');
    }
    const rejoinEveryMs = options.rejoinEveryMs ?? DISCOVERY_DEFAULTS.rejoinEveryMs;
    if (!(rejoinEveryMs > 0)) throw new DiscoveryOptionsError('rejoinEveryMs', rejoinEveryMs, 'must be > 0');
    this.options = options;
    this.rejoinEveryMs = rejoinEveryMs;
    const dropped = Object.fromEntries(ADAPTER_DROP_REASONS.map((reason) => [`dropped.${reason}`, 0])) as Record<`dropped.${AdapterDropReason}`, number>;
    this.count = {
      received: 0,
      accepted: 0,
      self: 0,
      self_replayed: 0,
      ...dropped,
      send_errors: 0,
      socket_errors: 0,
      join_errors: 0,
      callback_errors: 0,
      rejoins: 0,
    };
  }

  /** Binds the port, joins the group and opens the senders; rejects when that is impossible. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`MulticastDiscovery.start() called twice (state: ${this.state})`);
    this.state = 'starting';
    const { group, port, interfaceAddress } = this.options;
    try {
      const address = { group, port, ...(interfaceAddress !== undefined ? { interfaceAddress } : {}) };
      const shared = this.options.receivers;
      const receiver = (this.receiver = shared ? await shared.acquire(address) : new MulticastReceiver(address));
      receiver.listeners.add(this.listener);
      // A receiver of its own starts with this peer listening: a join error on one of several interfaces is counted here.
      if (!shared) await receiver.start();
      this.assertStarting();
      const addresses = receiver.targetAddresses();
      if (addresses.length === 0) {
        this.report(new Error('No non-internal IPv4 interface: LAN discovery hears nothing until one appears'));
      }
      for (const address of addresses) {
        try {
          await this.openSender(address);
        } catch (err) {
          if (interfaceAddress !== undefined) throw err;
          this.fail('socket_errors', err as Error);
        }
      }
      this.assertStarting();
      this.rejoinTimer = setInterval(() => void this.rejoin(), this.rejoinEveryMs);
      this.rejoinTimer.unref();
      this.state = 'started';
    } catch (err) {
      this.state = 'stopped';
      await this.closeSockets();
      throw err;
    }
  }

  /** Sends a packet to the group on every interface; send errors are counted, not thrown. */
  async send(packet: Buffer): Promise<void> {
    if (this.state !== 'started') throw new Error(`MulticastDiscovery.send() needs a started adapter (state: ${this.state})`);
    if (packet.length > LIMITS.announcementBytes) {
      throw new RangeError(`Announcement packet is ${packet.length} bytes, over the limit of ${LIMITS.announcementBytes}`);
    }
    this.recentlySent.push(packet);
    if (this.recentlySent.length > RECENTLY_SENT) this.recentlySent.shift();
    const { group, port } = this.options;
    await Promise.all(
      [...this.tx.values()].map(
        (socket) =>
          new Promise<void>((resolve) => {
            try {
              socket.send(packet, port, group, (err) => {
                if (err) this.fail('send_errors', err);
                resolve();
              });
            } catch (err) {
              this.fail('send_errors', err as Error);
              resolve();
            }
          }),
      ),
    );
  }

  /** A snapshot of the counters (see MulticastCounters). */
  counters(): MulticastCounters {
    return { ...this.count };
  }

  /** The local addresses this adapter currently sends on. */
  interfaces(): string[] {
    return [...this.tx.keys()];
  }

  /** Re-joins the group (and, without interfaceAddress, follows interfaces that came or went); also run every rejoinEveryMs. */
  async rejoin(): Promise<void> {
    if (this.state !== 'started' || this.rejoining) return;
    this.rejoining = true;
    try {
      this.count.rejoins++;
      const receiver = this.receiver!;
      receiver.rejoin();
      const addresses = receiver.targetAddresses();
      for (const address of addresses) {
        if (this.tx.has(address)) continue;
        await this.openSender(address).catch((err: Error) => this.fail('socket_errors', err));
      }
      for (const [address, socket] of this.tx) {
        if (!addresses.includes(address)) {
          this.tx.delete(address);
          await close(socket);
        }
      }
    } finally {
      this.rejoining = false;
    }
  }

  /** Closes the sockets and the re-join timer. Safe to call more than once. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    await this.closeSockets();
  }

  /** Same as stop(), for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  private onPacket({ bytes, form, from }: MulticastPacket): void {
    this.count.received++;
    if (!form.ok) {
      this.count[`dropped.${form.reason}`]++;
      return;
    }
    const announcement = form.announcement;
    if (announcement.id === this.options.selfId) {
      // Our id and key, but bytes we did not send: a replay from elsewhere (which
      // must not move our idea of our own address) or a second process running
      // with our identity.
      if (!this.recentlySent.some((p) => p.equals(bytes))) {
        this.count.self_replayed++;
        return;
      }
      this.count.self++;
      this.callback(() => this.options.onSelf?.(from.address));
      return;
    }
    this.count.accepted++;
    this.callback(() => this.options.onAnnouncement(form, { address: from.address, port: from.port }));
  }

  private async openSender(address: string): Promise<void> {
    const socket = dgram.createSocket({ type: 'udp4' });
    socket.on('error', (err) => this.fail('socket_errors', err));
    try {
      await bind(socket, 0, address);
      socket.setMulticastInterface(address);
      socket.setMulticastTTL(multicastTtlFor(address));
      // On, so this peer hears its own announcement and learns its address from it.
      socket.setMulticastLoopback(true);
    } catch (err) {
      await close(socket);
      throw new Error(`Cannot open a multicast sender on ${address}: ${(err as Error).message}`, { cause: err });
    }
    if (this.state === 'stopped') {
      await close(socket);
      return;
    }
    this.tx.set(address, socket);
  }

  private assertStarting(): void {
    if (this.state !== 'starting') throw new Error('MulticastDiscovery stopped while starting');
  }

  private async closeSockets(): Promise<void> {
    clearInterval(this.rejoinTimer);
    const senders = [...this.tx.values()];
    this.tx.clear();
    const receiver = this.receiver;
    this.receiver = undefined;
    receiver?.listeners.delete(this.listener);
    const shared = this.options.receivers;
    await Promise.all([...senders.map(close), receiver && (shared ? shared.release(receiver) : receiver.stop())]);
  }

  private callback(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      // A bug in a handler must not take the socket down with it.
      this.fail('callback_errors', err instanceof Error ? err : new Error(String(err)));
    }
  }

  private fail(counter: 'send_errors' | 'socket_errors' | 'join_errors' | 'callback_errors', err: Error): void {
    this.count[counter]++;
    this.report(err);
  }

  private report(err: Error): void {
    try {
      this.options.onError?.(err);
    } catch {
      // The error reporter failing leaves nothing better to do.
    }
  }
}


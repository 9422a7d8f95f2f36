/**
 * The lab's multicast relay between process peers. On loopback every socket in a group
 * hears every datagram, so the lab cannot cut or shape discovery between peers that
 * share a port. Instead each peer gets a multicast port of its own (same group): it
 * announces on it and hears on it, itself and whatever the relay forwards. The relay
 * listens on every peer's port and re-sends each announcement to every other peer's
 * port after the sender's egress (delay ± jitter, bandwidth; a lost datagram is
 * dropped, as on a real LAN), and not at all across a partition. A datagram is shaped
 * once per send, as a sender's egress qdisc shapes one multicast packet for everyone.
 */
import dgram, { type RemoteInfo, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { bind } from '../../../../peer/discovery/multicast-receiver.js';
import type { LinkPolicy } from './link-proxy.js';

/** Loopback only, TTL 0: nothing the relay sends can leave this machine. */
const LOOPBACK = '127.0.0.1';

export class AnnouncementRelay {
  /** Per peer, the port it announces on and the socket the relay hears it with. */
  private readonly listeners = new Map<string, { port: number; socket: Socket }>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;
  /** Datagrams forwarded, and dropped by loss or a partition. */
  readonly counts = { heard: 0, forwarded: 0, lost: 0, cut: 0 };

  private constructor(
    private readonly group: string,
    private readonly sender: Socket,
    private readonly policy: LinkPolicy,
  ) {}

  static async start(group: string, policy: LinkPolicy): Promise<AnnouncementRelay> {
    const sender = dgram.createSocket({ type: 'udp4' });
    sender.on('error', () => undefined);
    await bind(sender, 0, LOOPBACK);
    sender.setMulticastInterface(LOOPBACK);
    sender.setMulticastTTL(0);
    sender.setMulticastLoopback(true);
    return new AnnouncementRelay(group, sender, policy);
  }

  /** Starts relaying what `name` announces on `port` (before the peer starts, so its first announcement is heard). */
  async addPeer(name: string, port: number): Promise<void> {
    const existing = this.listeners.get(name);
    if (existing?.port === port) return;
    if (existing) {
      this.listeners.delete(name);
      existing.socket.close();
    }
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    socket.on('error', () => undefined);
    // Bound to the group address, as the peer binds it: only this group's datagrams on this port.
    await bind(socket, port, this.group);
    socket.addMembership(this.group, LOOPBACK);
    socket.on('message', (msg, rinfo) => this.onDatagram(name, msg, rinfo));
    this.listeners.set(name, { port, socket });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const sockets = [this.sender, ...[...this.listeners.values()].map((l) => l.socket)];
    this.listeners.clear();
    await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  private onDatagram(from: string, msg: Buffer, rinfo: RemoteInfo): void {
    // The relay's own copies to this port come back to it too.
    if (rinfo.port === this.sender.address().port && rinfo.address === LOOPBACK) return;
    this.counts.heard++;
    const fate = this.policy.egressOf(from).fate(msg.length, performance.now());
    if (fate.lost) {
      this.counts.lost++;
      return;
    }
    const wait = Math.max(0, Math.ceil(fate.at - performance.now()));
    if (wait === 0) return this.forward(from, msg);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.forward(from, msg);
    }, wait);
    this.timers.add(timer);
  }

  /** Sends `msg` to every other peer's port, except across a partition (checked now, when it would arrive). */
  private forward(from: string, msg: Buffer): void {
    if (this.closed) return;
    for (const [to, { port }] of this.listeners) {
      if (to === from) continue;
      if (this.policy.isCut(from, to)) {
        this.counts.cut++;
        continue;
      }
      this.counts.forwarded++;
      this.sender.send(msg, port, this.group);
    }
  }
}

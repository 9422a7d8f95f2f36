/**
 * The simulated network between the peers: a base profile for every packet (latency ±
 * jitter, loss; the scenario's `network:` or the default), per-peer egress shapes from
 * `link` steps (delay ± jitter, loss, bandwidth), and partitions. It only computes
 * delays and reachability; SimWorld moves the packets.
 *
 * Loss as the process runtime models it: a datagram (multicast) is dropped; a packet of
 * a stream (handshakes, sessions: TCP) arrives a retransmission timeout late, and a
 * stream's packets never overtake each other (SimWorld keeps each direction in order).
 */
import type { NetworkProfile } from '../../scenario/types.js';
import type { LinkShape } from '../network-faults.js';

export type { NetworkProfile };

/**
 * The default (a scenario's `network:` overrides it): 0–2 ms, uniform. A delay that
 * varies as much as it lasts is what peers of one host see over loopback, where
 * scheduling rather than the wire sets it; with less spread (1 ± 0.5 ms) the shortest
 * path nearly always wins, and gossip's hop mean came out 15–20 % below the process
 * runtime's for the same scenario and seed (2.14–2.18 against 2.48–2.58 at 20 peers).
 */
export const DEFAULT_NETWORK: NetworkProfile = { latencyMs: 1, jitterMs: 1, loss: 0 };

/** What a lost TCP segment costs: Linux's minimum retransmission timeout (as the process runtime's proxy models it). */
export const RETRANSMIT_MS = 200;

export class SimNetwork {
  /** Peer name → its group while a partition is in force. */
  private groups: Map<string, number> | undefined;
  private readonly shapes = new Map<string, LinkShape>();
  /** When each bandwidth-limited peer's egress is free again. */
  private readonly egressFree = new Map<string, number>();

  constructor(
    readonly profile: NetworkProfile,
    private readonly random: () => number,
  ) {}

  /** Whether a packet can go from `a` to `b` (no partition between them). */
  reachable(a: string, b: string): boolean {
    if (!this.groups) return true;
    return (this.groups.get(a) ?? -1) === (this.groups.get(b) ?? -1);
  }

  /** Cuts the peers into groups; peers in no group form one more. */
  partition(groups: string[][]): void {
    this.groups = new Map(groups.flatMap((group, i) => group.map((name) => [name, i] as const)));
  }

  heal(): void {
    this.groups = undefined;
  }

  get partitioned(): boolean {
    return this.groups !== undefined;
  }

  /** Shapes `peer`'s egress; an unshaped shape removes it. */
  shape(peer: string, shape: LinkShape | undefined): void {
    if (shape) this.shapes.set(peer, shape);
    else this.shapes.delete(peer);
  }

  /**
   * When a packet of `bytes` that `from` sends at `now` leaves it: at once, or after the
   * packets before it when its link has a bandwidth (a multicast packet leaves once).
   */
  departure(from: string, bytes: number, now: number): number {
    const bps = this.shapes.get(from)?.bandwidthBps ?? 0;
    if (!(bps > 0)) return now;
    const start = Math.max(now, this.egressFree.get(from) ?? 0);
    const free = start + (bytes * 8 * 1000) / bps;
    this.egressFree.set(from, free);
    return free;
  }

  /**
   * How long a packet from `from` travels once it left; undefined when a datagram is
   * lost. `stream`: a TCP packet, whose loss costs a retransmission instead.
   */
  transit(from: string, stream: boolean): number | undefined {
    let ms = this.sample(this.profile.latencyMs, this.profile.jitterMs);
    let lost = this.profile.loss > 0 && this.random() < this.profile.loss;
    const shape = this.shapes.get(from);
    if (shape) {
      ms += this.sample(shape.delayMs, shape.jitterMs);
      if (shape.loss > 0 && this.random() < shape.loss) lost = true;
    }
    if (!lost) return ms;
    return stream ? ms + RETRANSMIT_MS : undefined;
  }

  /** When a stream packet of `bytes` that `from` sends at `now` arrives (TCP: never lost, maybe late). */
  streamArrival(from: string, bytes: number, now: number): number {
    return this.departure(from, bytes, now) + this.transit(from, true)!;
  }

  /** `base` ± `jitter`, uniform, never negative. */
  private sample(base: number, jitter: number): number {
    if (jitter <= 0) return Math.max(0, base);
    return Math.max(0, base + (2 * this.random() - 1) * jitter);
  }
}

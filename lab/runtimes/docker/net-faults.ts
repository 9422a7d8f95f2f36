/**
 * Partitions and link shaping for docker peers, as a desired state applied to each
 * peer's network namespace, and applied again whenever a peer (re)starts (a restarted
 * container gets a fresh namespace). Everything acts on the peer network's interface
 * only; the control network is never touched.
 *
 * - Partition: iptables DROP on INPUT from every peer address outside the peer's group,
 *   in every peer, so nothing crosses in either direction, multicast included.
 *   (`docker network disconnect` would cut a peer from its own group too.)
 * - Link shaping, netem when the kernel has it: `tc qdisc replace dev IF root netem delay
 *   D J loss L [rate R]` (egress). Without netem: delay and jitter by the NFQUEUE delayer on
 *   OUTPUT (egress, like netem), loss by `iptables -m statistic` DROP on INPUT (ingress:
 *   a DROP on OUTPUT would show up as a send error in the peer rather than a lost
 *   packet), bandwidth by a `tbf` root qdisc (egress). When every peer is shaped, each
 *   packet is delayed once and dropped with probability L once, with either mechanism.
 * - Reset: `ss -K src PEER_IP` in the peer's namespace destroys its TCP connections on the
 *   peer network (the kernel sends a RST to the other end); the control network's are
 *   left alone.
 */
import { formatBandwidth } from '../../scenario/bandwidth.js';
import { isUnshaped, type LinkShape, type NetworkFaultResult, type NetworkFaults } from '../network-faults.js';
import { Delayer, DELAY_QUEUE } from './delayer.js';
import { hasNetem, inNetns, interfaceWith } from './netns.js';

/** What the fault state needs to know about a peer. */
export interface NetPeer {
  name: string;
  /** Its fixed address on the peer network. */
  peerIp: string;
  /** Host pid of its container's init, while it runs. */
  pid(): number | undefined;
}

const NO_SHAPE: LinkShape = { delayMs: 0, jitterMs: 0, loss: 0 };

/** Describes a shape the way netem's command line would. */
function describe(shape: LinkShape): string {
  const parts: string[] = [];
  if (shape.delayMs > 0 || shape.jitterMs > 0) parts.push(`delay ${shape.delayMs}ms ±${shape.jitterMs}ms`);
  if (shape.loss > 0) parts.push(`loss ${+(shape.loss * 100).toFixed(3)}%`);
  if (bandwidthOf(shape) > 0) parts.push(`rate ${formatBandwidth(bandwidthOf(shape))}`);
  return parts.join(' ') || 'none';
}

const isNone = isUnshaped;
const bandwidthOf = (s: LinkShape) => s.bandwidthBps ?? 0;

/** tbf's bucket: 10 ms of the rate, at least one full-size packet. */
const tbfBurstBytes = (bps: number) => Math.max(1600, Math.ceil(bps / 8 / 100));

/** The docker runtime's network faults. */
export class DockerNetFaults implements NetworkFaults {
  private groups: string[][] | undefined;
  private readonly shapes = new Map<string, LinkShape>();
  private readonly delayers = new Map<string, { delayer: Delayer; nsPid: number; shape: string }>();
  /** Peers whose namespace (by pid) has a tbf root qdisc of ours (no-netem bandwidth). */
  private readonly tbfs = new Map<string, number>();
  /** Per peer, the last apply: applies to one peer never overlap. */
  private readonly queues = new Map<string, Promise<void>>();

  constructor(private readonly peers: () => NetPeer[]) {}

  /** Whether any fault is in force (a starting peer must get it). */
  get active(): boolean {
    return this.groups !== undefined || this.shapes.size > 0;
  }

  /** How links are shaped on this kernel. */
  async linkMechanism(shape: LinkShape = { delayMs: 1, jitterMs: 0, loss: 0.01 }): Promise<string> {
    if (await hasNetem()) return `netem ${describe(shape)} (tc qdisc, egress)`;
    const parts: string[] = [];
    if (shape.delayMs > 0 || shape.jitterMs > 0) parts.push(`nfq-delay ${shape.delayMs}ms ±${shape.jitterMs}ms (NFQUEUE, egress)`);
    if (shape.loss > 0) parts.push(`iptables statistic DROP ${+(shape.loss * 100).toFixed(3)}% (ingress)`);
    if (bandwidthOf(shape) > 0) parts.push(`tbf rate ${formatBandwidth(bandwidthOf(shape))} (egress)`);
    return parts.join(' + ') || 'none (shaping removed)';
  }

  async partition(groups: string[][]): Promise<NetworkFaultResult> {
    this.groups = groups.map((g) => [...g]);
    await this.applyAll();
    return { mechanism: 'iptables DROP between groups (peer network)' };
  }

  async heal(): Promise<NetworkFaultResult> {
    this.groups = undefined;
    await this.applyAll();
    return { mechanism: 'iptables DROP rules removed' };
  }

  async link(peers: string[], shape: LinkShape): Promise<NetworkFaultResult> {
    for (const name of peers) {
      if (isNone(shape)) this.shapes.delete(name);
      else this.shapes.set(name, { ...shape });
    }
    const targets = this.peers().filter((p) => peers.includes(p.name));
    await Promise.all(targets.map((p) => this.apply(p)));
    const mechanism = await this.linkMechanism(shape);
    return { mechanism, links: Object.fromEntries(peers.map((name) => [name, mechanism])) };
  }

  async reset(peers: string[]): Promise<NetworkFaultResult> {
    const targets = this.peers().filter((p) => peers.includes(p.name));
    const killed = await Promise.all(
      targets.map(async (peer) => {
        const pid = peer.pid();
        if (pid === undefined) return 0;
        // ss lists each socket it destroyed under a header line.
        const out = await inNetns(pid, 'ss', ['-K', '-t', 'src', peer.peerIp]);
        return Math.max(0, out.trim().split('\n').length - 1);
      }),
    );
    return { mechanism: 'ss -K (socket destroy, RST to the other end) of TCP connections on the peer network', counts: { connectionsReset: killed.reduce((a, b) => a + b, 0) } };
  }

  /** Applies the state to a peer that just started (its namespace is new). */
  peerStarted(peer: NetPeer): Promise<void> {
    return this.apply(peer);
  }

  /** A peer went down: its delayer goes with its namespace. */
  async peerStopped(name: string): Promise<void> {
    const held = this.delayers.get(name);
    this.delayers.delete(name);
    await held?.delayer.stop();
  }

  /** Stops every delayer (runtime close). */
  async close(): Promise<void> {
    await Promise.all([...this.delayers.keys()].map((name) => this.peerStopped(name)));
  }

  /** For exit handlers. */
  killNow(): void {
    for (const { delayer } of this.delayers.values()) delayer.killNow();
  }

  private applyAll(): Promise<unknown> {
    return Promise.all(this.peers().map((p) => this.apply(p)));
  }

  private apply(peer: NetPeer): Promise<void> {
    const previous = this.queues.get(peer.name) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.applyNow(peer));
    this.queues.set(peer.name, next);
    return next;
  }

  private async applyNow(peer: NetPeer): Promise<void> {
    const pid = peer.pid();
    if (pid === undefined) return; // down: applied when it starts again
    const iface = await interfaceWith(pid, peer.peerIp);
    const rules: string[] = [];
    for (const ip of this.blockedFrom(peer)) rules.push(`-A INPUT -i ${iface} -s ${ip}/32 -j DROP`);
    const shape = this.shapes.get(peer.name) ?? NO_SHAPE;
    const netem = await hasNetem();
    if (!netem) {
      if (shape.loss > 0) rules.push(`-A INPUT -i ${iface} -m statistic --mode random --probability ${shape.loss} -j DROP`);
      if (shape.delayMs > 0 || shape.jitterMs > 0) {
        await this.ensureDelayer(peer.name, pid, shape);
        rules.push(`-A OUTPUT -o ${iface} -j NFQUEUE --queue-num ${DELAY_QUEUE} --queue-bypass`);
      } else {
        await this.peerStopped(peer.name);
      }
      await this.applyTbf(peer.name, pid, iface, bandwidthOf(shape));
    } else if (isNone(shape)) {
      await inNetns(pid, 'tc', ['qdisc', 'del', 'dev', iface, 'root']).catch(() => undefined);
    } else {
      const rate = bandwidthOf(shape) > 0 ? ['rate', `${Math.round(bandwidthOf(shape))}bit`] : [];
      const args = ['qdisc', 'replace', 'dev', iface, 'root', 'netem', 'delay', `${shape.delayMs}ms`, `${shape.jitterMs}ms`, 'loss', `${shape.loss * 100}%`, ...rate];
      await inNetns(pid, 'tc', args);
    }
    // The container's filter table is empty but for ours: restore it whole.
    const table = ['*filter', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ...rules, 'COMMIT', ''].join('\n');
    await inNetns(pid, 'iptables-restore', [], table);
  }

  /** Without netem, bandwidth is a tbf root qdisc: put in place, changed, or removed when it was ours. */
  private async applyTbf(name: string, pid: number, iface: string, bps: number): Promise<void> {
    if (bps > 0) {
      await inNetns(pid, 'tc', ['qdisc', 'replace', 'dev', iface, 'root', 'tbf', 'rate', `${Math.round(bps)}bit`, 'burst', String(tbfBurstBytes(bps)), 'latency', '1s']);
      this.tbfs.set(name, pid);
    } else if (this.tbfs.get(name) === pid) {
      await inNetns(pid, 'tc', ['qdisc', 'del', 'dev', iface, 'root']).catch(() => undefined);
      this.tbfs.delete(name);
    }
  }

  /** Peer-network addresses `peer` must not hear during a partition. */
  private blockedFrom(peer: NetPeer): string[] {
    if (!this.groups) return [];
    const groupOf = (name: string) => this.groups!.findIndex((g) => g.includes(name));
    const mine = groupOf(peer.name);
    return this.peers()
      .filter((other) => other.name !== peer.name && groupOf(other.name) !== mine)
      .map((other) => other.peerIp);
  }

  private async ensureDelayer(name: string, nsPid: number, shape: LinkShape): Promise<void> {
    const key = `${shape.delayMs}/${shape.jitterMs}`;
    const held = this.delayers.get(name);
    if (held && held.nsPid === nsPid && held.shape === key) return;
    await this.peerStopped(name);
    const seed = [...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
    this.delayers.set(name, { delayer: await Delayer.start(nsPid, shape.delayMs, shape.jitterMs, seed), nsPid, shape: key });
  }
}

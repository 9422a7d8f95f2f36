/**
 * Many-peer helpers for process-level tests: real `peerlab peer` processes on
 * loopback, each test on a multicast group/port of its own, temp data dirs
 * removed afterwards.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  randomLoopbackNetwork,
  startPeerProcess,
  type LoopbackNetwork,
  type PeerProcessSpec,
  type StartedPeerProcess,
} from '../../lab/runtimes/process/peer-process.js';

export interface PeerFleet extends AsyncDisposable {
  readonly network: LoopbackNetwork;
  readonly dir: string;
  readonly peers: StartedPeerProcess[];
  /** Starts one more peer named `name` (its data dir is `dir/name`, so a restart keeps it). */
  start(name: string, extra?: Partial<PeerProcessSpec>): Promise<StartedPeerProcess>;
  /** Waits until every running peer has seen every other running one. */
  waitForMesh(timeoutMs: number): Promise<void>;
}

/** A fleet of `n` peers named p0..p(n-1) (or of the peers named), started in parallel. */
export async function createPeers(countOrNames: number | string[], extra: Partial<PeerProcessSpec> = {}): Promise<PeerFleet> {
  const names = typeof countOrNames === 'number' ? Array.from({ length: countOrNames }, (_, i) => `p${i}`) : countOrNames;
  const dir = await mkdtemp(join(tmpdir(), 'peerlab-test-'));
  const network = randomLoopbackNetwork();
  const peers: StartedPeerProcess[] = [];
  const launch = (name: string, more: Partial<PeerProcessSpec> = {}) =>
    startPeerProcess({ name, dataDir: join(dir, name), network, ...extra, ...more });
  const fleet: PeerFleet = {
    network,
    dir,
    peers,
    async start(name, more = {}) {
      const peer = await launch(name, more);
      peers.push(peer);
      return peer;
    },
    async waitForMesh(timeoutMs) {
      const running = peers.filter((p) => p.isRunning);
      await Promise.all(
        running.map((peer) =>
          peer.waitUntil(
            () => {
              const seen = seenBy(peer);
              return running.every((other) => other === peer || seen.has(other.id)) ? true : undefined;
            },
            timeoutMs,
            `${peer.spec.name} to see all ${running.length - 1} others`,
          ),
        ),
      );
    },
    async [Symbol.asyncDispose]() {
      await Promise.all(peers.map((p) => p.stop()));
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    // Started in parallel, listed in name order (p0 first), whichever is ready first.
    const started = await Promise.allSettled(names.map((name) => launch(name)));
    for (const result of started) if (result.status === 'fulfilled') peers.push(result.value);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  } catch (err) {
    await fleet[Symbol.asyncDispose]();
    throw err;
  }
  return fleet;
}

/** Ids a peer currently sees, from its peer_up / peer_down events. */
export function seenBy(peer: StartedPeerProcess): Set<string> {
  const seen = new Set<string>();
  for (const event of peer.events) {
    if (event.type === 'peer_up') seen.add(event.peerId);
    if (event.type === 'peer_down') seen.delete(event.peerId);
  }
  return seen;
}

/** A counter from the peer's control API Stats (0 when it was never counted). */
export async function counterOf(peer: StartedPeerProcess, name: string): Promise<number> {
  return (await peer.control.stats()).counters[name] ?? 0;
}

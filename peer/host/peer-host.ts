/**
 * Many peers in one process (`peerlab host`): each hosted peer is a whole `Peer` — its own
 * identity, data dir (`DATA/<name>`), gRPC server on a port of its own and multicast
 * senders — so hosted peers still find and talk to each other over real multicast and
 * real gRPC on loopback. What they share is the process: one event loop, one heap, one
 * control server (host-control.ts), and one multicast receiving socket per group
 * (SharedMulticastReceivers), so an announcement is read and decoded once per host, not
 * once per hosted peer, one memory of signature verdicts (withVerifyMemo), so a
 * signature the host's peers all see is checked once, and one AnnouncementVerifier, so
 * a repeat's hash chain is hashed once; each peer still decides what a packet means to
 * it (its own, a replay, another's) on its own. Each peer can be started,
 * stopped gracefully, crashed or paused on its own.
 */
import { join, resolve } from 'node:path';
import { systemClock, type Clock } from '../clock.js';
import { nameProblem } from '../discovery/announcement-fields.js';
import { LIMITS, quote } from '../limits.js';
import type { PeerOptions } from '../options.js';
import { SharedMulticastReceivers } from '../discovery/multicast-receiver.js';
import { nodeCrypto } from '../crypto/node-crypto.js';
import { withVerifyMemo } from '../crypto/verify-memo.js';
import { Peer, type SharedParts } from '../peer.js';
import { AnnouncementVerifier } from '../core/announcement-verifier.js';
import { dataDirName } from '../settings.js';

/**
 * What a host's peers share: the multicast receiving socket, a memory of signature
 * verdicts, and one judge of announcements (a pure function of packets they all hear,
 * so one check of a repeat's hash chain serves them all).
 */
function hostShared(): Required<SharedParts> {
  const crypto = withVerifyMemo(nodeCrypto);
  return { multicastReceivers: new SharedMulticastReceivers(), crypto, announcementVerifier: new AnnouncementVerifier(crypto, LIMITS.peerTableSize) };
}

/** Where a hosted peer is in its life. */
export type HostedState = 'starting' | 'running' | 'paused' | 'stopping' | 'stopped';

/** How to stop one hosted peer: as SIGTERM would (graceful), or as SIGKILL would (crash). */
export type StopMode = 'graceful' | 'crash';

/** One hosted peer as the host lists it. */
export interface HostedPeerView {
  name: string;
  /** Empty until it first started. */
  id: string;
  state: HostedState;
  /** 0 while it is not running. */
  grpcPort: number;
  dataDir: string;
}

/** Why the host refused a request: an unknown peer, a bad name, or a peer in the wrong state. */
export class HostError extends Error {
  constructor(
    readonly kind: 'not_found' | 'invalid' | 'state',
    message: string,
  ) {
    super(message);
    this.name = 'HostError';
  }
}

interface Entry {
  name: string;
  dataDir: string;
  state: HostedState;
  id: string;
  peer?: Peer;
  /** The start under way, so two StartPeer calls share it. */
  starting?: Promise<Peer>;
  stopping?: Promise<void>;
  /** Aborted when this run of the peer ends: its Events streams end with it. */
  life: AbortController;
}

export class PeerHost implements AsyncDisposable {
  private readonly entries = new Map<string, Entry>();
  private closing: Promise<void> | undefined;
  private readonly shared = hostShared();

  /**
   * @param base the settings every hosted peer runs with; `name` and `dataDir` are each
   *   peer's own, and each binds its own gRPC port.
   * @param dataRoot where each peer's data dir goes (`<dataRoot>/<name>`).
   */
  constructor(
    private readonly base: PeerOptions,
    readonly dataRoot: string,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Starts `name` (a new peer, or a stopped one again with its identity and data); resolves once it is up. */
  async start(name: string, grpcPort = 0): Promise<Peer> {
    if (this.closing) throw new HostError('state', `cannot start ${quote(name)}: the host is closing`);
    const entry = this.entries.get(name) ?? this.add(name);
    if (entry.peer) return entry.peer;
    if (entry.starting) return entry.starting;
    if (entry.stopping) await entry.stopping;
    entry.state = 'starting';
    entry.life = new AbortController();
    entry.starting = this.launch(entry, grpcPort).finally(() => (entry.starting = undefined));
    return entry.starting;
  }

  /** Stops one peer, gracefully or as a crash; its data dir is kept. A stopped peer is answered as it is. */
  async stop(name: string, mode: StopMode): Promise<void> {
    const entry = this.entry(name);
    if (entry.starting) await entry.starting.catch(() => undefined);
    if (entry.stopping) return entry.stopping;
    const peer = entry.peer;
    if (!peer) return;
    entry.state = 'stopping';
    entry.stopping = (async () => {
      // Its Events streams end first, as a dying process's connections do.
      entry.life.abort();
      try {
        await (mode === 'crash' ? peer.crash() : peer.stop());
      } finally {
        entry.peer = undefined;
        entry.state = 'stopped';
        entry.stopping = undefined;
      }
    })();
    return entry.stopping;
  }

  /** Pauses one running peer (Peer.pause: its events wait unhandled). */
  pause(name: string): void {
    const entry = this.entry(name);
    if (entry.state === 'paused') return;
    if (entry.state !== 'running' || !entry.peer) throw new HostError('state', `cannot pause ${name}: it is ${entry.state}`);
    entry.peer.pause();
    entry.state = 'paused';
  }

  /** Ends a pause (Peer.resume). */
  unpause(name: string): void {
    const entry = this.entry(name);
    if (entry.state === 'running') return;
    if (entry.state !== 'paused' || !entry.peer) throw new HostError('state', `cannot unpause ${name}: it is ${entry.state}`);
    entry.peer.resume();
    entry.state = 'running';
  }

  /**
   * The running (or paused) peer `name`, and a signal that aborts when it stops; throws
   * a HostError when there is no such peer or it is not running.
   */
  running(name: string): { peer: Peer; ended: AbortSignal } {
    const entry = this.entry(name);
    if (!entry.peer || (entry.state !== 'running' && entry.state !== 'paused')) {
      throw new HostError('state', `peer ${name} is ${entry.state}; start it with the Host service's StartPeer`);
    }
    return { peer: entry.peer, ended: entry.life.signal };
  }

  /** The running (and paused) peers. */
  peers(): Peer[] {
    return [...this.entries.values()].flatMap((e) => (e.peer && (e.state === 'running' || e.state === 'paused') ? [e.peer] : []));
  }

  /** Every peer this host has started, in the order it first started them. */
  list(): HostedPeerView[] {
    return [...this.entries.values()].map((e) => ({
      name: e.name,
      id: e.id,
      state: e.state,
      grpcPort: e.peer && e.state !== 'stopping' ? e.peer.grpcPort : 0,
      dataDir: e.dataDir,
    }));
  }

  /** The names this host knows, for error messages (the first few). */
  names(limit = 10): string {
    const names = [...this.entries.keys()];
    return names.length === 0 ? 'none yet' : `${names.slice(0, limit).join(', ')}${names.length > limit ? `, … (${names.length})` : ''}`;
  }

  /** Stops every peer gracefully; the host starts nothing more. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.entries.values()].map((e) => e.starting));
      await Promise.allSettled([...this.entries.keys()].map((name) => this.stop(name, 'graceful')));
    })();
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private entry(name: string): Entry {
    const entry = this.entries.get(name);
    if (!entry) throw new HostError('not_found', `no peer ${quote(name)} in this host (peers: ${this.names()})`);
    return entry;
  }

  /** A new entry for `name`, after checking the name and that its data dir is no other peer's. */
  private add(name: string): Entry {
    const problem = nameProblem(name);
    if (problem !== undefined) throw new HostError('invalid', `peer name ${quote(name)} ${problem}`);
    const dirName = dataDirName(name);
    if (/^\.+$/.test(dirName)) throw new HostError('invalid', `peer name ${quote(name)} cannot name a data dir (it would be ${quote(dirName)})`);
    const dataDir = join(resolve(this.dataRoot), dirName);
    // One process holds the data dir lock for all its peers, so the lock cannot tell two of them apart.
    const clash = [...this.entries.values()].find((e) => e.dataDir === dataDir);
    if (clash) throw new HostError('invalid', `peer name ${quote(name)} would share the data dir ${dataDir} with ${quote(clash.name)}`);
    const entry: Entry = { name, dataDir, state: 'stopped', id: '', life: new AbortController() };
    this.entries.set(name, entry);
    return entry;
  }

  private async launch(entry: Entry, grpcPort: number): Promise<Peer> {
    const options = (port: number): PeerOptions => ({ ...this.base, name: entry.name, dataDir: entry.dataDir, grpcPort: port });
    let peer: Peer;
    try {
      peer = await Peer.start(options(grpcPort), this.clock, this.shared);
    } catch (err) {
      // The port it had before was taken while it was down: any free one will do.
      if (grpcPort === 0 || !/cannot listen|EADDRINUSE/.test((err as Error).message)) {
        entry.state = 'stopped';
        throw err;
      }
      peer = await Peer.start(options(0), this.clock, this.shared).catch((retryErr: unknown) => {
        entry.state = 'stopped';
        throw retryErr;
      });
    }
    if (this.closing) {
      await peer.stop();
      entry.state = 'stopped';
      throw new HostError('state', `cannot start ${quote(entry.name)}: the host is closing`);
    }
    entry.peer = peer;
    entry.id = peer.identity.id;
    entry.state = 'running';
    return peer;
  }
}

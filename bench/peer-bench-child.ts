/**
 * A bench child hosting one or more Peers in this process (each with its own
 * data dir, all on loopback), driven by the bench over IPC. Run with
 * --expose-gc so memory readings can collect first.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { serveParent } from './child-ipc.js';
import { timeSequential } from './latency.js';
import { markNow } from './window-mark.js';
import type { PeerEvent } from '../peer/events.js';
import { defaultPeerOptions } from '../peer/options.js';
import { Peer } from '../peer/peer.js';
import type { LoopbackNetwork } from '../lab/runtimes/process/peer-process.js';

/** How the bench starts the peers of this child. */
export interface StartArgs {
  names: string[];
  /** Each peer's data dir is `<dataRoot>/<name>`. */
  dataRoot: string;
  network: LoopbackNetwork;
  announceIntervalMs: number;
  expireAfterMs: number;
}

/** A digest interval long enough that no round runs during a bench. */
const GOSSIP_OFF_MS = 3_600_000;

type Delivered = Extract<PeerEvent, { type: 'delivered' }>;

/** Per-peer event counts and waiters, fed by the peer's event emitter. */
class Tracked {
  received = 0;
  delivered = 0;
  /** Ping round trips completed by a ping flood. */
  pongs = 0;
  sendErrors = 0;
  lastSendError = '';
  private readonly deliveredWaiters = new Map<string, () => void>();
  private readonly deliveredEarly = new Set<string>();
  private readonly changeListeners = new Set<() => void>();

  constructor(readonly peer: Peer) {
    peer.events.on('event', (event) => {
      if (event.type === 'message') this.received++;
      else if (event.type === 'delivered') this.onDelivered(event);
      if (this.changeListeners.size > 0) for (const listener of [...this.changeListeners]) listener();
    });
  }

  /** Resolves when `messageId` has been delivered (acked), even if that already happened. */
  delivery(messageId: string): Promise<void> {
    if (this.deliveredEarly.delete(messageId)) return Promise.resolve();
    return new Promise((resolve) => this.deliveredWaiters.set(messageId, resolve));
  }

  /** While set, every delivery goes to it instead of to `delivery()` waiters (a flood counts its acks). */
  floodListener: ((event: Delivered) => void) | undefined;

  /** Waits until `check()` is true, re-checking on every event and every 20 ms. */
  waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const poll = setInterval(() => listener(), 20);
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.peer.options.name}: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const listener = (): void => {
        if (!check()) return;
        done();
        resolve();
      };
      const done = (): void => {
        clearInterval(poll);
        clearTimeout(timer);
        this.changeListeners.delete(listener);
      };
      this.changeListeners.add(listener);
    });
  }

  private onDelivered(event: Delivered): void {
    this.delivered++;
    if (this.floodListener) {
      this.floodListener(event);
      return;
    }
    const waiter = this.deliveredWaiters.get(event.messageId);
    if (waiter) {
      this.deliveredWaiters.delete(event.messageId);
      waiter();
    } else {
      this.deliveredEarly.add(event.messageId);
    }
  }
}

const peers: Tracked[] = [];

function at(index: number): Tracked {
  const tracked = peers[index];
  if (!tracked) throw new Error(`no peer #${index} in this child (${peers.length} started)`);
  return tracked;
}

/** The flood running in this child (messages or pings), if any. */
let flood: { stop: () => Promise<void> } | undefined;

const commands = {
  /** Starts the peers; returns their ids. */
  async start(args: StartArgs): Promise<Array<{ id: string; name: string; grpcPort: number }>> {
    const started = await Promise.all(
      args.names.map((name) => {
        const defaults = defaultPeerOptions(name);
        return Peer.start({
          ...defaults,
          dataDir: join(args.dataRoot, name),
          host: '127.0.0.1',
          controlPort: -1,
          multicast: { enabled: true, group: args.network.group, port: args.network.port, interfaceAddress: '127.0.0.1' },
          announceIntervalMs: args.announceIntervalMs,
          expireAfterMs: args.expireAfterMs,
          // Gossip anti-entropy sends a digest to a random neighbour every round, opening a
          // session if there is none; off here, so the only sessions are the ones measured.
          gossip: { ...defaults.gossip, digestIntervalMs: GOSSIP_OFF_MS },
        });
      }),
    );
    for (const peer of started) peers.push(new Tracked(peer));
    return started.map((peer) => ({ id: peer.identity.id, name: peer.options.name, grpcPort: peer.grpcPort }));
  },

  /** Waits until peer `index` has heard every one of `ids` announce itself. */
  async waitDiscovered({ index, ids, timeoutMs }: { index: number; ids: string[]; timeoutMs: number }): Promise<void> {
    const tracked = at(index);
    await tracked.waitUntil(() => ids.every((id) => tracked.peer.knowsPeer(id)), timeoutMs, `discovery of ${ids.length} peers`);
  },

  /** Sends one message from peer `index` to each of `ids` (opening a session to each) and waits for every ack. */
  async sendOneEach({ index, ids, timeoutMs }: { index: number; ids: string[]; timeoutMs: number }): Promise<{ ms: number }> {
    const tracked = at(index);
    const started = performance.now();
    await Promise.all(
      ids.map(async (id) => {
        const { messageId } = await tracked.peer.send(id, 'hello');
        await Promise.race([
          tracked.delivery(messageId),
          new Promise((_, reject) => setTimeout(() => reject(new Error(`no ack from ${id} within ${timeoutMs} ms`)), timeoutMs).unref()),
        ]);
      }),
    );
    await tracked.waitUntil(() => ids.every((id) => tracked.peer.isSessionUp(id)), timeoutMs, 'sessions up');
    return { ms: performance.now() - started };
  },

  /** Collects garbage (several full GCs), then reads this process's memory. */
  async memory(): Promise<{ rss: number; heapUsed: number; external: number; arrayBuffers: number }> {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) throw new Error('memory readings need --expose-gc');
    for (let i = 0; i < 4; i++) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
    const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
    return { rss, heapUsed, external, arrayBuffers };
  },

  /** Sealed ping round trips from peer `index` to `peerId`, one at a time, in µs. */
  async pingRtt({ index, peerId, warmup, samples, maxMs }: { index: number; peerId: string; warmup: number; samples: number; maxMs: number }) {
    const { peer } = at(index);
    return timeSequential(async () => void (await peer.ping(peerId)), { warmup, samples, maxMs });
  },

  /** Direct messages one at a time, send() to the ack's 'delivered' event, in µs. */
  async messageRtt({ index, peerId, warmup, samples, maxMs }: { index: number; peerId: string; warmup: number; samples: number; maxMs: number }) {
    const tracked = at(index);
    const text = 'm'.repeat(256);
    return timeSequential(
      async () => {
        const { messageId } = await tracked.peer.send(peerId, text);
        await tracked.delivery(messageId);
      },
      { warmup, samples, maxMs },
    );
  },

  /**
   * Starts sending `textBytes`-byte messages from peer `index` to `peerId`,
   * keeping `maxOutstanding` sent but not yet acked; returns at once.
   */
  floodStart({ index, peerId, textBytes, maxOutstanding }: { index: number; peerId: string; textBytes: number; maxOutstanding: number }): void {
    if (flood) throw new Error('a flood is already running');
    const tracked = at(index);
    const text = 'f'.repeat(textBytes);
    let outstanding = 0;
    let running = true;
    let onIdle: (() => void) | undefined;
    const pump = (): void => {
      while (running && outstanding < maxOutstanding) {
        outstanding++;
        tracked.peer.send(peerId, text).catch((err: Error) => {
          outstanding--;
          tracked.sendErrors++;
          tracked.lastSendError = err.message;
        });
      }
    };
    tracked.floodListener = () => {
      outstanding--;
      if (running) pump();
      else if (outstanding === 0) onIdle?.();
    };
    pump();
    flood = {
      stop: async () => {
        running = false;
        await settle(outstanding, (resolve) => (onIdle = resolve));
        tracked.floodListener = undefined;
        flood = undefined;
      },
    };
  },

  async floodStop(): Promise<void> {
    await flood?.stop();
  },

  /**
   * Starts keeping `inFlight` sealed pings outstanding from peer `index` to
   * `peerId`: the session layer alone (batching, sealing, gRPC), no storage.
   * Completed round trips count as 'delivered' in `mark`; returns at once.
   */
  pingFloodStart({ index, peerId, inFlight }: { index: number; peerId: string; inFlight: number }): void {
    if (flood) throw new Error('a flood is already running');
    const tracked = at(index);
    let running = true;
    let outstanding = 0;
    let onIdle: (() => void) | undefined;
    const one = (): void => {
      outstanding++;
      tracked.peer.ping(peerId).then(
        () => {
          outstanding--;
          tracked.pongs++;
          if (running) one();
          else if (outstanding === 0) onIdle?.();
        },
        (err: Error) => {
          outstanding--;
          tracked.sendErrors++;
          tracked.lastSendError = err.message;
        },
      );
    };
    for (let i = 0; i < inFlight; i++) one();
    flood = {
      stop: async () => {
        running = false;
        await settle(outstanding, (resolve) => (onIdle = resolve));
        flood = undefined;
      },
    };
  },

  /** Peer `index`'s counts of messages received and deliveries acked, with this process's clock and CPU. */
  mark({ index }: { index: number }) {
    const tracked = at(index);
    return {
      received: markNow(tracked.received),
      delivered: markNow(tracked.delivered),
      pongs: markNow(tracked.pongs),
      sendErrors: tracked.sendErrors,
      lastSendError: tracked.lastSendError,
    };
  },

  /** Peer `index`'s counters (frames and items sent, for items per frame). */
  counters({ index }: { index: number }): Record<string, number> {
    return at(index).peer.stats().counters;
  },
};

export type PeerChildCommands = typeof commands;

serveParent(commands, async () => {
  await flood?.stop();
  await Promise.allSettled(peers.map((tracked) => tracked.peer.stop()));
});

/**
 * Lets what is in flight land (at most 10 s), so the next phase starts on a quiet
 * session: `whenIdle` hands over the callback the flood calls when the last one is done.
 */
async function settle(outstanding: number, whenIdle: (resolve: () => void) => void): Promise<void> {
  if (outstanding === 0) return;
  await Promise.race([new Promise<void>((resolve) => whenIdle(resolve)), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
}

/**
 * A simulated peer's control API: the methods of the gRPC ControlClient, answered
 * directly by its core and stores — the same checks (request limits, name resolution),
 * the same answers, the same event stream (mapped through the control API's Event and
 * back, so the lab hears exactly what a real subscriber would). Commands go through the
 * core in virtual time; reads answer at once. A paused peer answers nothing until it is
 * unpaused; a peer that is down refuses every call.
 */
import { toControlEvent, fromControlEvent } from '../../../peer/control/event-mapping.js';
import type { GroupEntry, HistoryEntry, PeerControl, PeerEntry, PeerInfo, SendResponse, StatsResponse, Subscription, TrustResponse } from '../../../peer/control/peer-control.js';
import { requestProblem, type ControlMethod } from '../../../peer/control/request-limits.js';
import type { PeerEvent } from '../../../peer/events.js';
import { EVERYONE } from '../../../peer/gossip/group-codec.js';
import { PEERLAB_VERSION } from '../../../peer/peer.js';
import type { SimLoop } from './sim-loop.js';
import type { SimNode } from './sim-node.js';
import type { SimWorld } from './sim-world.js';

/** The most entries one History or RoomHistory call returns (the control API's own cap). */
const MAX_ENTRIES = 10_000;

export class SimControl implements PeerControl {
  constructor(
    private readonly world: SimWorld,
    private readonly loop: SimLoop,
    private readonly node: SimNode,
  ) {}

  whoami(): Promise<PeerInfo> {
    return this.read('whoami', {}, (node) => ({
      id: node.id,
      name: node.options.name,
      fingerprint: node.identity.fingerprint,
      host: node.core!.selfAddress,
      grpcPort: node.port,
      controlPort: 0,
      publicKeyHex: node.identity.publicKey.toString('hex'),
      version: PEERLAB_VERSION,
      webPort: 0,
    }));
  }

  listPeers(): Promise<PeerEntry[]> {
    return this.read('listPeers', {}, (node) => node.core!.peers(this.loop.now()));
  }

  send(to: string, text: string): Promise<SendResponse> {
    return this.checked('send', { to, text }, (node) => {
      const recipient = node.core!.resolve(to);
      return this.world.command<SendResponse>(node, (token) => ({ type: 'send', token, to: recipient, text }));
    });
  }

  history(peer: string, limit = 100): Promise<HistoryEntry[]> {
    return this.read('history', { peer }, (node) => {
      const { id } = node.core!.resolve(peer);
      return node.stores.history(id, Math.min(limit || 100, MAX_ENTRIES)).map((entry) => {
        const shown = node.core!.display(entry.peerId, entry.peerName);
        return { ...entry, peerName: shown.name, nameVerified: shown.verified };
      });
    });
  }

  say(room: string, text: string): Promise<{ messageId: string }> {
    return this.checked('say', { room, text }, (node) => this.world.command(node, (token) => ({ type: 'say', token, room: room || EVERYONE, text })));
  }

  joinRoom(room: string): Promise<string[]> {
    return this.checked('joinRoom', { room }, (node) => this.world.command(node, (token) => ({ type: 'join_room', token, room })));
  }

  leaveRoom(room: string): Promise<string[]> {
    return this.checked('leaveRoom', { room }, (node) => this.world.command(node, (token) => ({ type: 'leave_room', token, room })));
  }

  roomHistory(room: string, limit = 100): Promise<GroupEntry[]> {
    return this.read('roomHistory', { room }, (node) =>
      node.stores.roomHistory(room || EVERYONE, Math.min(limit || 100, MAX_ENTRIES)).map((entry) => {
        const shown = node.core!.display(entry.authorId, entry.authorName);
        return { ...entry, authorName: shown.name, nameVerified: shown.verified };
      }),
    );
  }

  trust(name: string, peer: string): Promise<TrustResponse> {
    return this.checked('trust', { name, peer }, async (node) => {
      const bound = await this.world.command<{ name: string; id: string; fingerprint: string; previousId?: string }>(node, (token) => ({ type: 'trust_name', token, name, idQuery: peer }));
      return { ...bound, previousId: bound.previousId ?? '' };
    });
  }

  /** Counters and gauges as the real peer reports them; memory and CPU are 0: not measured on the simulator (see SimRuntime.unsampled). */
  stats(): Promise<StatsResponse> {
    return this.read('stats', {}, (node) => {
      const gauges = node.core!.gauges();
      for (const [name, value] of Object.entries(gauges.counters)) node.counters.set(name, value);
      return {
        counters: node.counters.snapshot(),
        rssBytes: 0,
        heapUsedBytes: 0,
        heapTotalBytes: 0,
        externalBytes: 0,
        cpuUserUs: 0,
        cpuSystemUs: 0,
        uptimeMs: Math.round(this.loop.now() - node.upSince),
        peersKnown: gauges.peersKnown,
        sessionsOpen: gauges.sessionsOpen,
        outboxPending: gauges.outboxPending,
      };
    });
  }

  subscribe(onEvent: (event: PeerEvent) => void, onEnd?: (error?: Error) => void): Subscription {
    const node = this.node;
    if (node.state === 'down') {
      const refused = Promise.reject(new Error(`${node.name} is not running`));
      refused.catch(() => undefined);
      return { ready: refused, close: () => {} };
    }
    const listener = {
      onEvent: (event: PeerEvent) => {
        const message = toControlEvent(event);
        const mapped = message && fromControlEvent(message);
        if (mapped) onEvent(mapped);
      },
      onEnd: (error?: Error) => onEnd?.(error),
    };
    node.listeners.add(listener);
    // What this life said before anyone listened (the lab subscribes just after a start).
    for (const event of node.unheard.splice(0)) listener.onEvent(event);
    return { ready: Promise.resolve(), gapless: true, close: () => node.listeners.delete(listener) };
  }

  close(): void {}

  /** A read: answered at once (once it runs again, when paused). */
  private read<T>(method: ControlMethod, request: object, answer: (node: SimNode) => T): Promise<T> {
    return this.checked(method, request, (node) => answer(node));
  }

  /** Refuses a request over its limits, or one to a peer that is down; waits out a pause. */
  private checked<T>(method: ControlMethod, request: object, run: (node: SimNode) => T | Promise<T>): Promise<T> {
    const problem = requestProblem(method, request);
    if (problem) return Promise.reject(new Error(problem));
    return this.whenRunning().then(() => run(this.node));
  }

  private whenRunning(): Promise<void> {
    const node = this.node;
    if (node.state === 'up') return Promise.resolve();
    if (node.state === 'down') return Promise.reject(new Error(`${node.name} is not running`));
    return new Promise((resolve, reject) => {
      const check = () => {
        if (node.state === 'up') resolve();
        else if (node.state === 'down') reject(new Error(`${node.name} is not running`));
        else this.loop.after(10, check);
      };
      this.loop.after(10, check);
    });
  }
}

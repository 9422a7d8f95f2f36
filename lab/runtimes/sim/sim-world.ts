/**
 * The simulator's shell: N peer cores on one virtual clock, a simulated network and
 * in-memory stores. It does for a core what peer/peer.ts and peer/shell/ do for the real
 * one — feeds it events, carries its actions out — with packets moved by SimNetwork,
 * store writes completed after a small virtual delay, and CPU time from the CpuMeter:
 * a core call that signs, verifies or seals keeps its peer busy, and what arrives
 * meanwhile waits. Everything random comes from the run's one PRNG.
 */
import { checkPacket } from '../../../peer/discovery/announcement.js';
import type { Action } from '../../../peer/core/actions.js';
import type { CallId, CoreEvent, Now, Token } from '../../../peer/core/events.js';
import { PeerCore, type PeerCoreOptions } from '../../../peer/core/peer-core.js';
import type { PeerExit } from '../runtime.js';
import type { CpuMeter } from './cpu-model.js';
import type { SimCrypto } from './sim-crypto.js';
import type { SimLoop } from './sim-loop.js';
import type { SimNetwork } from './sim-network.js';
import { Fanout } from './fanout.js';
import { isRestarted, withoutAcks, type PlantedBug } from './planted-bug.js';
import { SimNode } from './sim-node.js';
import { frameBytes, RPC_BYTES } from './wire-bytes.js';

/** Wall clock of virtual time 0 (announcements and messages carry wall times): 2026-01-01. */
export const WALL_EPOCH_MS = 1_767_225_600_000;

const TICK: CoreEvent = { type: 'tick' };
/** Events kept for a peer's first subscriber; the lab subscribes at the instant a peer starts, long before this many. */
const MAX_UNHEARD = 10_000;

/** A Handshake or Exchange call in flight: who asked, who answers, and what the asker hears. */
interface Call {
  from: SimNode;
  fromLife: number;
  answerer: SimNode;
  /** The event the asker gets for the answer (undefined: not an answer to this call). */
  answer(action: Action): CoreEvent | undefined;
  /** The event the asker gets when the call fails. */
  fail(message: string): CoreEvent;
}

export interface SimWorldParts {
  loop: SimLoop;
  network: SimNetwork;
  crypto: SimCrypto;
  meter: CpuMeter;
  random: () => number;
  /** Virtual ms from a store write to the core hearing it completed. */
  storeDelayMs: number;
  /** A bug planted for testing bug hunters (planted-bug.ts); undefined in every real use. */
  plantedBug?: PlantedBug;
}

export class SimWorld {
  readonly nodes: SimNode[] = [];
  private readonly byAddress = new Map<string, SimNode>();
  private readonly calls = new Map<CallId, Call>();
  /** Dials whose handshake went out: who they reached, for `open_stream`. */
  private readonly dials = new Map<string, SimNode>();
  private nextCall = 1;
  private nextInbound = 1;
  private nextToken = 1;

  constructor(readonly parts: SimWorldParts) {}

  private get loop(): SimLoop {
    return this.parts.loop;
  }

  private get network(): SimNetwork {
    return this.parts.network;
  }

  /** Adds a peer (down until `start`): its identity from the run's crypto, an address of its own. */
  add(name: string, options: PeerCoreOptions): SimNode {
    const index = this.nodes.length;
    const host = `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${(index & 255) + 1}`;
    const node = new SimNode(index, name, host, 7000, this.parts.crypto.identity(), options);
    this.nodes.push(node);
    this.byAddress.set(`${host}:${node.port}`, node);
    return node;
  }

  /** Starts (or restarts) a peer: a new core from what its stores hold. */
  start(node: SimNode): void {
    if (node.state !== 'down') return;
    const { stores } = node;
    node.beginLife(this.loop.now());
    node.core = new PeerCore(node.options, {
      identity: node.identity,
      crypto: this.parts.crypto.crypto,
      random: this.parts.random,
      counters: node.counters,
      book: stores.book,
      groups: stores,
      pendingOutgoing: stores.pendingOutgoing(),
      joinedRooms: [...stores.rooms],
      conversationIds: () => stores.conversationIds(),
    });
    this.arrive(node, node.life, { type: 'start', grpcPort: node.port }, this.loop.now());
  }

  /** A crash (SIGKILL): streams break, everything in flight to it is lost. */
  kill(node: SimNode, exit: PeerExit = { code: null, signal: 'SIGKILL' }): void {
    if (node.state === 'down') return;
    const now = this.loop.now();
    // The kernel closes its sockets: the other ends see their streams end, its calls fail.
    for (const [, link] of node.links) {
      link.node.links.delete(link.session);
      this.arrive(link.node, link.life, { type: 'session_closed', session: link.session, reason: 'stream closed' }, this.network.streamArrival(node.name, 0, now));
    }
    node.links.clear();
    for (const [id, call] of this.calls) {
      if (call.answerer !== node) continue;
      this.calls.delete(id);
      this.arrive(call.from, call.fromLife, call.fail('connection reset'), this.network.streamArrival(node.name, 0, now));
    }
    node.endLife(now, exit);
    this.loop.touch();
  }

  /** A graceful stop (SIGTERM): the core says goodbye (closes its sessions), then the process ends. */
  stop(node: SimNode): void {
    if (node.state === 'down') return;
    const core = node.core!;
    try {
      this.carryOutAll(node, core.handle({ type: 'stop' }, this.clockAt(this.loop.now())), this.loop.now());
    } catch (err) {
      node.crashReport = String((err as Error).stack ?? err);
    }
    this.kill(node, { code: 0, signal: null });
  }

  /** SIGSTOP: nothing is handled (packets wait, as in a socket buffer) until `unpause`. */
  pause(node: SimNode): void {
    if (node.state === 'up') node.state = 'paused';
  }

  unpause(node: SimNode): void {
    if (node.state !== 'paused') return;
    node.state = 'up';
    const held = node.held.splice(0);
    for (const event of held) this.enqueue(node, event);
  }

  /** A user command through the control API; settles with the core's `result`. */
  command<T>(node: SimNode, make: (token: Token) => CoreEvent): Promise<T> {
    if (node.state === 'down') return Promise.reject(new Error(`${node.name} is not running`));
    const token = this.nextToken++;
    const life = node.life;
    return new Promise<T>((resolve, reject) => {
      node.commands.set(token, { resolve: resolve as (value: unknown) => void, reject });
      // Into the loop, never into a core from inside a lab callback.
      this.loop.at(this.loop.now(), () => {
        if (node.life === life) this.enqueue(node, make(token));
      });
    });
  }

  /** Modelled CPU share of `node`'s up time, percent of one core. */
  busyPercent(node: SimNode): number {
    const up = node.upTime(this.loop.now());
    return up > 0 ? (100 * node.busyMs) / up : 0;
  }

  // ---- Events in ----

  /** `event` reaches `node` at `at`, unless the life it was meant for is over by then. */
  private arrive(node: SimNode, life: number, event: CoreEvent, at: number): void {
    this.loop.at(at, () => {
      if (node.life === life) this.enqueue(node, event);
    });
  }

  private enqueue(node: SimNode, event: CoreEvent): void {
    if (node.state === 'paused') {
      node.held.push(event);
      return;
    }
    if (node.state !== 'up') return;
    if (node.inbox.length > 0 || node.busyUntil > this.loop.now()) {
      node.inbox.push(event);
      this.resumeWhenIdle(node);
      return;
    }
    this.process(node, event);
  }

  /** The peer is busy: handles its waiting events, in order, once it is free. */
  private resumeWhenIdle(node: SimNode): void {
    if (node.resumeScheduled) return;
    node.resumeScheduled = true;
    const life = node.life;
    this.loop.at(node.busyUntil, () => {
      if (node.life !== life) return;
      node.resumeScheduled = false;
      while (node.inbox.length > 0 && node.state === 'up') {
        if (node.busyUntil > this.loop.now()) return this.resumeWhenIdle(node);
        this.process(node, node.inbox.shift()!);
      }
    });
  }

  /** Hands one event to the core; its actions happen once the CPU work they cost is done. */
  private process(node: SimNode, event: CoreEvent): void {
    const now = this.loop.now();
    const { meter } = this.parts;
    meter.reset();
    // What the real shell computes before the core sees the event: opening the frame.
    // (An announcement's signature is the core's to check, when it needs to: counted by the crypto.)
    if (event.type === 'items_received') meter.aeadBytes += frameBytes(event.items);
    let actions: Action[];
    try {
      actions = node.core!.handle(event, this.clockAt(now));
    } catch (err) {
      // The real peer would crash on it: so does this one, and the lab sees it exit.
      node.crashReport = String((err as Error).stack ?? err);
      this.kill(node, { code: 1, signal: null });
      return;
    }
    for (const action of actions) if (action.type === 'transmit') meter.aeadBytes += frameBytes(action.items);
    const cost = meter.costMs();
    if (cost <= 0) return this.carryOutAll(node, actions, now);
    const done = now + cost;
    node.busyUntil = done;
    node.busyMs += cost;
    const life = node.life;
    this.loop.at(done, () => {
      if (node.life === life) this.carryOutAll(node, actions, done);
    });
  }

  /** The planted `restart-amnesia` bug is on and `node` has been restarted. */
  private amnesiac(node: SimNode): boolean {
    return this.parts.plantedBug === 'restart-amnesia' && isRestarted(node.life);
  }

  /** Wall time in whole ms, as Date.now() gives it (announcement seqs are built from it and must be integers). */
  private clockAt(now: number): Now {
    return { monoMs: now, wallMs: WALL_EPOCH_MS + Math.floor(now) };
  }

  // ---- Actions out ----

  private carryOutAll(node: SimNode, actions: readonly Action[], at: number): void {
    for (const action of actions) this.carryOut(node, action, at);
  }

  private carryOut(node: SimNode, action: Action, at: number): void {
    switch (action.type) {
      case 'transmit': {
        const link = node.links.get(action.session);
        if (!link || !this.network.reachable(node.name, link.node.name)) return;
        const items = this.amnesiac(node) ? withoutAcks(action.items) : action.items;
        if (items.length === 0) return;
        const arrival = Math.max(this.network.streamArrival(node.name, frameBytes(items), at), link.lastArrival);
        link.lastArrival = arrival;
        return this.arrive(link.node, link.life, { type: 'items_received', session: link.session, items }, arrival);
      }
      case 'store': {
        const stored = node.stores.write(action.write);
        const fresh = stored || (action.write.kind === 'incoming' && this.amnesiac(node));
        return this.arrive(node, node.life, { type: 'stored', token: action.token, fresh }, at + this.parts.storeDelayMs);
      }
      case 'emit':
        // Bounded: a peer nobody ever follows (a bench, a test) must not grow without end.
        if (node.listeners.size === 0 && node.unheard.length < MAX_UNHEARD) node.unheard.push(action.event);
        // The lab records events synchronously; only a wait they settle needs it to run
        // before time moves on, and that wait says so (RunClock.settled). Yielding after
        // every event instead cost a trip round Node's event loop per peer discovered.
        for (const listener of node.listeners) listener.onEvent(action.event);
        return;
      case 'result': {
        const command = node.commands.get(action.token);
        if (!command) return;
        node.commands.delete(action.token);
        if (action.ok) command.resolve(action.value);
        else command.reject(Object.assign(new Error(action.error.message), { kind: action.error.kind }));
        this.loop.touch();
        return;
      }
      case 'wake':
        return this.arm(node, action.atMonoMs);
      case 'multicast':
        return this.multicast(node, action.packet, at);
      case 'dial':
        return this.dial(node, action, at);
      case 'answer_handshake':
      case 'answer_exchange': {
        const call = this.calls.get(action.call);
        if (!call) return;
        this.calls.delete(action.call);
        const event = call.answer(action);
        // An answer across a partition is lost: the asker's deadline ends the call.
        if (event && this.network.reachable(node.name, call.from.name)) this.arrive(call.from, call.fromLife, event, this.network.streamArrival(node.name, RPC_BYTES, at));
        return;
      }
      case 'open_stream':
        return this.openStream(node, action, at);
      case 'accept_stream':
        return;
      case 'refuse_stream':
      case 'close_session': {
        const link = node.links.get(action.session);
        node.links.delete(action.session);
        if (!link) return;
        link.node.links.delete(link.session);
        const arrival = Math.max(this.network.streamArrival(node.name, 0, at), link.lastArrival);
        return this.arrive(link.node, link.life, { type: 'session_closed', session: link.session, reason: 'stream ended by peer' }, arrival);
      }
      case 'seed_exchange':
        return this.seedExchange(node, action, at);
    }
  }

  /**
   * One announcement to the multicast domain: decoded and its form checked once, one
   * object shared by every receiver (no N copies of bytes), each copy with its own delay
   * and loss; each receiver's core checks the signature when it needs to (and pays for it).
   */
  private multicast(node: SimNode, packet: Buffer, at: number): void {
    const form = checkPacket(packet);
    if (!form.ok) return;
    const { announcement, body, signature } = form;
    const heard: CoreEvent = { type: 'announcement_heard', heard: { announcement, body, signature }, from: node.host };
    const left = this.network.departure(node.name, packet.length, at);
    const copies = new Fanout(this.loop, (to, event) => this.enqueue(to, event));
    for (const other of this.nodes) {
      if (other.state === 'down' || !this.network.reachable(node.name, other.name)) continue;
      const transit = this.network.transit(node.name, false);
      if (transit === undefined) continue;
      if (other === node) copies.add(node, { type: 'self_address', address: node.host }, left + transit);
      else if (other.options.multicast) copies.add(other, heard, left + transit);
    }
    copies.send();
  }

  private dial(node: SimNode, action: Extract<Action, { type: 'dial' }>, at: number): void {
    const fail = (message: string, when: number) => this.arrive(node, node.life, { type: 'handshake_failed', dial: action.dial, message }, when);
    const target = this.byAddress.get(`${action.host}:${action.port}`);
    const roundTrip = 2 * this.network.profile.latencyMs;
    if (!target || target.state === 'down') return fail('connection refused', at + roundTrip);
    const call = this.call(node, target, at, action.timeoutMs, {
      answer: (answer) =>
        answer.type !== 'answer_handshake' ? undefined
        : 'reply' in answer ? { type: 'handshake_replied', dial: action.dial, reply: answer.reply }
        : { type: 'handshake_failed', dial: action.dial, message: answer.refusal.message },
      fail: (message) => ({ type: 'handshake_failed', dial: action.dial, message }),
    });
    this.dials.set(`${node.name}/${action.dial}`, target);
    // Across a partition the connection is held, never answered: the deadline ends it.
    if (!this.network.reachable(node.name, target.name)) return;
    this.arrive(target, target.life, { type: 'handshake_received', call, init: action.init, address: node.host }, this.network.streamArrival(node.name, RPC_BYTES, at));
  }

  private seedExchange(node: SimNode, action: Extract<Action, { type: 'seed_exchange' }>, at: number): void {
    const seed = node.options.seeds[action.seed];
    const target = seed && this.byAddress.get(`${seed.host}:${seed.port}`);
    if (!target || target.state === 'down') {
      return this.arrive(node, node.life, { type: 'seed_failed', seed: action.seed, message: 'unreachable' }, at + 2 * this.network.profile.latencyMs);
    }
    const call = this.call(node, target, at, action.timeoutMs, {
      answer: (answer) =>
        answer.type !== 'answer_exchange' ? undefined
        : 'reply' in answer ? { type: 'seed_replied', seed: action.seed, reply: answer.reply }
        : { type: 'seed_failed', seed: action.seed, message: answer.error },
      fail: (message) => ({ type: 'seed_failed', seed: action.seed, message }),
    });
    if (!this.network.reachable(node.name, target.name)) return;
    this.arrive(target, target.life, { type: 'exchange_received', call, request: action.request, fromHost: node.host }, this.network.streamArrival(node.name, RPC_BYTES, at));
  }

  /** Registers a call from `from` to `answerer`, failed with "deadline exceeded" after `timeoutMs` unless answered. */
  private call(from: SimNode, answerer: SimNode, at: number, timeoutMs: number, how: Pick<Call, 'answer' | 'fail'>): CallId {
    const id = this.nextCall++;
    const fromLife = from.life;
    this.calls.set(id, { from, fromLife, answerer, ...how });
    this.loop.at(at + timeoutMs, () => {
      if (!this.calls.delete(id)) return;
      this.arrive(from, fromLife, how.fail('deadline exceeded'), this.loop.now());
    });
    return id;
  }

  private openStream(node: SimNode, action: Extract<Action, { type: 'open_stream' }>, at: number): void {
    const key = `${node.name}/${action.dial}`;
    const target = this.dials.get(key);
    this.dials.delete(key);
    if (!target || target.state === 'down' || !this.network.reachable(node.name, target.name)) {
      return this.arrive(node, node.life, { type: 'session_closed', session: action.session, reason: 'stream closed' }, at + 2 * this.network.profile.latencyMs);
    }
    const inbound = `a${this.nextInbound++}`;
    const opened = this.network.streamArrival(node.name, RPC_BYTES, at);
    // The stream's first packet opens it: nothing sent on it may arrive before.
    node.links.set(action.session, { node: target, session: inbound, life: target.life, lastArrival: opened });
    target.links.set(inbound, { node, session: action.session, life: node.life, lastArrival: 0 });
    this.arrive(target, target.life, { type: 'stream_opened', session: inbound, sessionKey: action.keys.sessionId.toString('hex') }, opened);
  }

  /**
   * The core's one timer, as the real shell keeps it: `wakeAt` is what the core asked
   * for last; at most one queue entry per peer is live (`timerAt`), and it is replaced
   * only by an earlier one, so a core that says "wake at T" after every event does not
   * fill the queue. A deadline already due fires a millisecond later (setTimeout's floor).
   */
  private arm(node: SimNode, atMonoMs: number | undefined): void {
    const now = this.loop.now();
    node.wakeAt = atMonoMs === undefined ? undefined : Math.max(atMonoMs, now + 1);
    if (node.wakeAt === undefined || (node.timerAt !== undefined && node.timerAt <= node.wakeAt)) return;
    this.schedule(node, node.wakeAt);
  }

  private schedule(node: SimNode, at: number): void {
    node.timerAt = at;
    const life = node.life;
    this.loop.at(at, () => {
      if (node.life !== life || node.timerAt !== at) return; // superseded by an earlier entry, or another life
      node.timerAt = undefined;
      const wakeAt = node.wakeAt;
      if (wakeAt === undefined) return;
      if (wakeAt <= at) {
        node.wakeAt = undefined;
        this.enqueue(node, TICK);
      } else this.schedule(node, wakeAt);
    });
  }

  // ---- Network faults ----

  /** Breaks every session between peers the network cannot connect now (a partition began), both ends told at once. */
  cutUnreachable(): number {
    let cut = 0;
    for (const node of this.nodes) {
      for (const [session, link] of node.links) {
        if (this.network.reachable(node.name, link.node.name)) continue;
        node.links.delete(session);
        this.arrive(node, node.life, { type: 'session_closed', session, reason: 'connection reset' }, this.loop.now());
        cut++;
      }
    }
    return cut / 2;
  }

  /** Breaks every session of `node` now: both ends see a reset. */
  reset(node: SimNode): number {
    let count = 0;
    for (const [session, link] of node.links) {
      node.links.delete(session);
      link.node.links.delete(link.session);
      this.arrive(node, node.life, { type: 'session_closed', session, reason: 'connection reset' }, this.loop.now());
      this.arrive(link.node, link.life, { type: 'session_closed', session: link.session, reason: 'connection reset' }, this.loop.now());
      count++;
    }
    return count;
  }
}

/**
 * One simulated peer as its machine would hold it: the core of its current life, its
 * stores (kept across restarts, as a data dir is), its sessions' ends, its one timer,
 * and its CPU (busy until a virtual time; events that arrive meanwhile wait in order).
 * SimWorld moves events in and carries actions out; this holds the state.
 */
import type { PeerCoreOptions } from '../../../peer/core/peer-core.js';
import type { PeerCore } from '../../../peer/core/peer-core.js';
import type { CoreEvent, SessionId, Token } from '../../../peer/core/events.js';
import { Counters } from '../../../peer/counters.js';
import type { PeerEvent } from '../../../peer/events.js';
import type { Identity } from '../../../peer/identity/identity.js';
import type { PeerExit } from '../runtime.js';
import { SimStores } from './sim-stores.js';

export type NodeState = 'down' | 'up' | 'paused';

/** This end of a session: the other end, and the order its packets keep. */
export interface LinkEnd {
  node: SimNode;
  /** The other end's session id. */
  session: SessionId;
  /** The other end's life when the link was made: a restarted peer has no such session. */
  life: number;
  /** When the last packet sent this way arrives: a stream never reorders. */
  lastArrival: number;
}

/** A control call waiting for its `result` action. */
export interface PendingCommand {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** A control API event subscriber. */
export interface Listener {
  onEvent(event: PeerEvent): void;
  onEnd(error?: Error): void;
}

export class SimNode {
  core: PeerCore | undefined;
  state: NodeState = 'down';
  /** Bumped at every start and every exit: packets and timers of an earlier life are dropped. */
  life = 0;
  counters = new Counters();
  readonly stores = new SimStores();
  /** CPU: busy computing until this virtual time; what arrives meanwhile waits in `inbox`. */
  busyUntil = 0;
  readonly inbox: CoreEvent[] = [];
  resumeScheduled = false;
  /** Arrived while paused (SIGSTOP): handled in order once it runs again. */
  readonly held: CoreEvent[] = [];
  /** The core's one timer: when it asked to be woken (undefined: never), and the time of the one live queue entry for it. */
  wakeAt: number | undefined;
  timerAt: number | undefined;
  readonly links = new Map<SessionId, LinkEnd>();
  readonly commands = new Map<Token, PendingCommand>();
  readonly listeners = new Set<Listener>();
  /** Events of this life emitted while nobody listened: the first subscriber hears them. */
  readonly unheard: PeerEvent[] = [];
  /** Modelled CPU time over every life, and time up, in virtual ms (for the busy share). */
  busyMs = 0;
  upMs = 0;
  upSince = 0;
  /** Why it crashed on its own (a core threw), for diagnostics. */
  crashReport = '';
  exited: Promise<PeerExit> = Promise.resolve({ code: null, signal: null });
  private settleExit: (exit: PeerExit) => void = () => {};

  constructor(
    readonly index: number,
    readonly name: string,
    readonly host: string,
    readonly port: number,
    readonly identity: Identity,
    readonly options: PeerCoreOptions,
  ) {}

  get id(): string {
    return this.identity.id;
  }

  /** A new life begins: a promise for how it ends. */
  beginLife(now: number): void {
    this.life++;
    this.state = 'up';
    this.upSince = now;
    this.counters = new Counters();
    this.unheard.length = 0;
    this.exited = new Promise((resolve) => (this.settleExit = resolve));
  }

  /** This life ends: everything in flight to it is dropped, and waiters hear how it ended. */
  endLife(now: number, exit: PeerExit): void {
    this.life++;
    this.state = 'down';
    this.core = undefined;
    this.upMs += now - this.upSince;
    this.inbox.length = 0;
    this.held.length = 0;
    this.resumeScheduled = false;
    this.busyUntil = 0;
    this.wakeAt = this.timerAt = undefined;
    const error = new Error(`${this.name} exited (${exit.signal ?? `code ${exit.code}`})`);
    for (const command of this.commands.values()) command.reject(error);
    this.commands.clear();
    for (const listener of [...this.listeners]) listener.onEnd(error);
    this.listeners.clear();
    this.settleExit(exit);
  }

  /** Virtual ms it has been up, including the current life. */
  upTime(now: number): number {
    return this.upMs + (this.state === 'down' ? 0 : now - this.upSince);
  }
}

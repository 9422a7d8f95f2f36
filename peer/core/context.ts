/**
 * What the sub-cores share during one `handle` call: the time it happens at,
 * the list of actions being built, and the store writes and commands waiting
 * for completion. Pure bookkeeping: no IO, no clock.
 */
import type { Item } from '../../proto/gen/peerlab/wire/v1/wire.pb.js';
import type { Counters } from '../counters.js';
import type { PeerEvent } from '../events.js';
import type { Identity } from '../identity/identity.js';
import type { Action, CommandError, StoreWrite } from './actions.js';
import type { Crypto } from './crypto.js';
import type { Now, SessionId, Token } from './events.js';

interface PendingWrite {
  done(fresh: boolean): void;
  failed(message: string): void;
}

export class CoreContext {
  /** The time of the event being handled. */
  now: Now = { monoMs: 0, wallMs: 0 };
  /** After `stop`: no PeerEvent goes out any more. */
  stopped = false;
  private out: Action[] = [];
  private readonly writes = new Map<Token, PendingWrite>();
  // Store tokens count down from -1 so they never meet a shell's command tokens (positive).
  private nextWriteToken = -1;
  /** How names are shown here (set by the names core): every emitted event goes through it. */
  relabel: (event: PeerEvent) => PeerEvent = (event) => event;

  constructor(
    readonly identity: Identity,
    readonly crypto: Crypto,
    readonly random: () => number,
    readonly counters: Counters,
  ) {}

  /** Starts collecting the actions of one event. */
  begin(now: Now): void {
    this.now = now;
    this.out = [];
  }

  /** The actions collected since `begin`. */
  finish(): Action[] {
    return this.out;
  }

  push(action: Action): void {
    this.out.push(action);
  }

  transmit(session: SessionId, items: Item[]): void {
    this.out.push({ type: 'transmit', session, items });
  }

  /** Tells listeners (names shown as this peer shows them); nothing after stop. */
  emit(event: PeerEvent): void {
    if (!this.stopped) this.out.push({ type: 'emit', event: this.relabel(event) });
  }

  /** An error event for something that must not stop the peer (a failed store write). */
  error(code: string, message: string): void {
    this.emit({ type: 'error', atMs: this.now.wallMs, code, message });
  }

  /** Asks the shell to write; `done` or `failed` runs when it reports back (inside that later `handle`). */
  store(write: StoreWrite, done: (fresh: boolean) => void, failed: (message: string) => void): void {
    const token = this.nextWriteToken--;
    this.writes.set(token, { done, failed });
    this.out.push({ type: 'store', token, write });
  }

  /** A store write completed; false when the token is unknown. */
  stored(token: Token, fresh: boolean): boolean {
    return this.settle(token, (write) => write.done(fresh));
  }

  storeFailed(token: Token, message: string): boolean {
    return this.settle(token, (write) => write.failed(message));
  }

  private settle(token: Token, run: (write: PendingWrite) => void): boolean {
    const write = this.writes.get(token);
    if (!write) return false;
    this.writes.delete(token);
    run(write);
    return true;
  }

  /** Completes a user command. */
  result(token: Token, value: unknown): void {
    this.out.push({ type: 'result', token, ok: true, value });
  }

  fail(token: Token, kind: CommandError['kind'], message: string): void {
    this.out.push({ type: 'result', token, ok: false, error: { kind, message } });
  }
}

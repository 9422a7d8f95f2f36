import { MetricsCollector } from '../metrics/collector.js';
import type { HistoryEvent } from '../metrics/events.js';
import type { LabClock } from './clock.js';
import type { GossipLedger } from './gossip-ledger.js';
import type { DeliveryLedger } from './ledger.js';
import type { NetworkView } from './view.js';

/** A history event without its `t`: the recorder stamps it. */
export type Unstamped<E> = E extends HistoryEvent ? Omit<E, 't'> : never;

/**
 * The run's history: every event goes into the MetricsCollector (and so history.jsonl),
 * and updates the ledger and the view that `wait_for` reads. Listeners hear of every
 * change, so waiting is event-driven. Once closed (the run is over, peers are being
 * torn down) nothing more is recorded: a teardown is not part of the run.
 */
export class Recorder {
  readonly collector = new MetricsCollector();
  private readonly listeners = new Set<() => void>();
  private open = true;

  constructor(
    readonly clock: LabClock,
    private readonly ledger: DeliveryLedger,
    private readonly view: NetworkView,
    private readonly gossip?: GossipLedger,
  ) {}

  /** Milliseconds since the run started. */
  now(): number {
    return this.clock.now();
  }

  /** Records an event stamped now. */
  emit(event: Unstamped<HistoryEvent>): void {
    this.record({ t: this.now(), ...event } as HistoryEvent);
  }

  /** Records an event that already has its `t` (stamped when it arrived). */
  record(event: HistoryEvent): void {
    if (!this.open) return;
    this.collector.add(event);
    switch (event.type) {
      case 'send':
        this.ledger.onSend(event);
        break;
      case 'deliver':
        this.ledger.onDeliver(event);
        break;
      case 'gsend':
        this.gossip?.onSend(event);
        break;
      case 'gdeliver':
        this.gossip?.onDeliver(event);
        break;
      case 'peer_up':
        this.view.peerUp(event.peer, event.other);
        break;
      case 'peer_down':
        this.view.peerDown(event.peer, event.other);
        break;
      case 'session_up':
        this.view.sessionUp(event.peer, event.other);
        break;
      default:
        break;
    }
    this.changed();
  }

  /** Tells listeners that something they may wait on changed. */
  changed(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /** Calls `listener` after every change; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** Stops recording; the history is final. */
  close(): void {
    this.open = false;
  }

  /** Every event recorded, in arrival order. */
  get events(): readonly HistoryEvent[] {
    return this.collector.history;
  }
}

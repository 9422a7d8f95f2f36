import type { StartedPeer, StoppedPeer } from '../runtimes/runtime.js';

/** Where a peer is in its life, as the lab sees it. */
export type PeerState = 'starting' | 'up' | 'paused' | 'stopping' | 'down';

/** A peer's event feed, as the fleet holds it. */
export interface FeedHandle {
  /** The peer is about to go down on purpose: its stream ending is not an error. */
  expectEnd(): void;
  close(): void;
}

/** One peer of the run, by index, across restarts. */
export interface PeerSlot {
  index: number;
  /** `p<index>`: the name in every history event. */
  name: string;
  state: PeerState;
  /** Its peer id, known once it first answered. */
  id?: string;
  /** The running peer, while it runs. */
  peer?: StartedPeer;
  /** The stopped peer, while it is down: what a restart starts again. */
  stopped?: StoppedPeer;
  feed?: FeedHandle;
}

/** Events about an id the lab does not know yet, kept until it does (bounded). */
const MAX_HELD = 10_000;

/**
 * The run's peers by index and by id. A peer can be seen by others before the lab has
 * read its own ready line (it announces before it prints it), so what arrives about an
 * unknown id is held and replayed once that id is registered.
 */
export class Fleet {
  readonly slots: PeerSlot[] = [];
  private readonly names = new Map<string, string>();
  private readonly held = new Map<string, Array<(name: string) => void>>();
  private heldCount = 0;

  /** Adds a new peer slot, named by its index. */
  add(): PeerSlot {
    const slot: PeerSlot = { index: this.slots.length, name: `p${this.slots.length}`, state: 'starting' };
    this.slots.push(slot);
    return slot;
  }

  /** The slot at `index` (the scenario has already checked it exists). */
  at(index: number): PeerSlot {
    const slot = this.slots[index];
    if (!slot) throw new Error(`peer ${index} does not exist (${this.slots.length} started)`);
    return slot;
  }

  /** Learns a slot's peer id and replays what was held for it. */
  register(slot: PeerSlot, id: string): void {
    slot.id = id;
    this.names.set(id, slot.name);
    const waiting = this.held.get(id);
    if (!waiting) return;
    this.held.delete(id);
    this.heldCount -= waiting.length;
    for (const run of waiting) run(slot.name);
  }

  /** The slot named `name` (`p<index>`), if there is one. */
  byName(name: string): PeerSlot | undefined {
    const slot = this.slots[Number(name.slice(1))];
    return slot?.name === name ? slot : undefined;
  }

  /** The lab's name for a peer id, if known. */
  nameOf(id: string): string | undefined {
    return this.names.get(id);
  }

  /** Runs `use` with the name of `id` now, or once the id is registered. */
  withName(id: string, use: (name: string) => void): void {
    const name = this.names.get(id);
    if (name !== undefined) return use(name);
    if (this.heldCount >= MAX_HELD) return; // ids the lab never starts (a stray peer on the group)
    let list = this.held.get(id);
    if (!list) this.held.set(id, (list = []));
    list.push(use);
    this.heldCount++;
  }

  /** Peers that are running and not paused. */
  up(): PeerSlot[] {
    return this.slots.filter((s) => s.state === 'up');
  }

  /** Peers with a process (running or paused). */
  alive(): PeerSlot[] {
    return this.slots.filter((s) => s.state === 'up' || s.state === 'paused');
  }
}

/**
 * One multicast packet's copies on their way: the receivers in arrival order, handed on
 * through a single entry on the simulator's agenda that moves to the next arrival after
 * each. An announcement to a thousand peers is then one entry in the heap, not a
 * thousand entries each with a closure of its own: the heap stays as small as the
 * number of packets in flight, and a start-up storm of 10⁶ copies no longer fills it.
 */
import type { CoreEvent } from '../../../peer/core/events.js';
import type { SimLoop } from './sim-loop.js';
import type { SimNode } from './sim-node.js';

export class Fanout {
  private readonly nodes: SimNode[] = [];
  /** The life each copy was meant for: a receiver restarted meanwhile does not get it. */
  private readonly lives: number[] = [];
  private readonly events: CoreEvent[] = [];
  private readonly times: number[] = [];
  /** Copy indexes by arrival time (ties in the order added, as separate entries would run). */
  private order: number[] = [];
  private next = 0;

  constructor(
    private readonly loop: SimLoop,
    private readonly deliver: (node: SimNode, event: CoreEvent) => void,
  ) {}

  /** A copy of the packet for `node`, arriving at `at`. */
  add(node: SimNode, event: CoreEvent, at: number): void {
    this.nodes.push(node);
    this.lives.push(node.life);
    this.events.push(event);
    this.times.push(at);
  }

  /** Puts the first arrival on the agenda; call once, after every copy is added. */
  send(): void {
    const { times } = this;
    if (times.length === 0) return;
    this.order = Array.from(times.keys()).sort((a, b) => times[a]! - times[b]! || a - b);
    this.loop.at(times[this.order[0]!]!, this.step);
  }

  private readonly step = (): void => {
    const i = this.order[this.next++]!;
    const node = this.nodes[i]!;
    if (node.life === this.lives[i]) this.deliver(node, this.events[i]!);
    if (this.next < this.order.length) this.loop.at(this.times[this.order[this.next]!]!, this.step);
  };
}

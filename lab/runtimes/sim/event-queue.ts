/**
 * The simulator's agenda: a binary min-heap of timed callbacks. Ties at one time run in
 * the order they were scheduled (a sequence number), so a run is the same every time.
 */

interface Entry {
  at: number;
  seq: number;
  run: () => void;
}

export class EventQueue {
  private readonly heap: Entry[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** When the next callback is due; Infinity when none is. */
  peekTime(): number {
    return this.heap.length ? this.heap[0]!.at : Infinity;
  }

  /** Schedules `run` at virtual time `at`. */
  push(at: number, run: () => void): void {
    const entry = { at, seq: this.seq++, run };
    const heap = this.heap;
    let i = heap.length;
    heap.push(entry);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(entry, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = entry;
  }

  /** Takes the next callback off the queue (check `size` first). */
  pop(): () => void {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      let i = 0;
      const n = heap.length;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= n) break;
        const right = left + 1;
        const child = right < n && before(heap[right]!, heap[left]!) ? right : left;
        if (!before(heap[child]!, last)) break;
        heap[i] = heap[child]!;
        i = child;
      }
      heap[i] = last;
    }
    return top.run;
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

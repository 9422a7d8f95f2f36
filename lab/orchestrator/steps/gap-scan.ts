/**
 * The first item that fails a `wait_for` check, found cheaply although it is asked for
 * after every recorded event (a million times while 1,000 peers discover each other):
 * the last gap found is checked first, and once it has closed the scan goes on from
 * there. "No gap" is only answered after a full pass over a fresh snapshot (the peers
 * up now) found none: items scanned earlier open again only when a peer restarts or a
 * new one starts, and that pass catches it. Over a whole wait this costs about two
 * passes, where scanning from the start at every event cost a pass per event (N³ for
 * the pairs of N peers).
 */
export class GapScan {
  private size = 0;
  private position = 0;
  private gap: number | undefined;

  constructor(
    /** Takes a fresh snapshot of what is scanned; returns how many items it has. */
    private readonly snapshot: () => number,
    /** Whether item `index` of the current snapshot fails the check now. */
    private readonly isGap: (index: number) => boolean,
  ) {}

  /** True when no item fails. */
  clear(): boolean {
    if (this.gap !== undefined) {
      if (this.isGap(this.gap)) return false;
      // The last gap has closed: go on after it.
      this.position = this.gap + 1;
    }
    if (this.scanFrom(this.position)) return false;
    this.size = this.snapshot();
    return !this.scanFrom(0);
  }

  private scanFrom(start: number): boolean {
    for (let index = start; index < this.size; index++) {
      if (this.isGap(index)) {
        this.gap = this.position = index;
        return true;
      }
    }
    this.gap = undefined;
    this.position = this.size;
    return false;
  }
}

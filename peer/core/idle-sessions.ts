/**
 * Which sessions are idle: a session opened for a direct message stays open only while
 * it is used. A session counts as used when direct messages or acks go over it either
 * way, or when gossip arrives on it (the other side has us among its neighbours and
 * trades digests with us in turn, well within the timeout). Sessions to our own gossip
 * neighbours are never idle. Checked twice per timeout, so one closes between one and
 * one and a half timeouts after its last use.
 */
export class IdleSessions {
  private readonly lastUsed = new Map<string, number>();
  private checkAt: number | undefined;

  constructor(private readonly idleMs: number) {
    if (!(idleMs > 0)) throw new RangeError(`IdleSessions idleMs must be > 0, got ${idleMs}`);
  }

  start(now: number): void {
    this.checkAt = now + this.idleMs / 2;
  }

  stop(): void {
    this.checkAt = undefined;
  }

  /** The session to `peerId` carried something worth keeping it for. */
  used(peerId: string, now: number): void {
    this.lastUsed.set(peerId, now);
  }

  forget(peerId: string): void {
    this.lastUsed.delete(peerId);
  }

  nextDeadline(): number | undefined {
    return this.checkAt;
  }

  /** When the check is due: the peers among `open` whose sessions went unused for the timeout and that `keep` does not hold on to. */
  due(now: number, open: readonly string[], keep: (peerId: string) => boolean): string[] {
    if (this.checkAt === undefined || now < this.checkAt) return [];
    while (this.checkAt <= now) this.checkAt += this.idleMs / 2;
    return open.filter((id) => !keep(id) && now - (this.lastUsed.get(id) ?? -Infinity) >= this.idleMs);
  }
}

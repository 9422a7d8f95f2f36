/**
 * What each peer currently sees, by the lab's peer names: its peer table (peer_up minus
 * peer_down) and its open sessions. Fed by the event feeds; `wait_for` reads it.
 */
const NONE: ReadonlySet<string> = new Set();

export class NetworkView {
  private readonly seen = new Map<string, Set<string>>();
  private readonly sessions = new Map<string, Set<string>>();

  /** A peer restarted: its tables start empty again. */
  reset(peer: string): void {
    this.seen.set(peer, new Set());
    this.sessions.set(peer, new Set());
  }

  peerUp(peer: string, other: string): void {
    this.of(this.seen, peer).add(other);
  }

  peerDown(peer: string, other: string): void {
    this.of(this.seen, peer).delete(other);
  }

  sessionUp(peer: string, other: string): void {
    this.of(this.sessions, peer).add(other);
  }

  sessionDown(peer: string, other: string): void {
    this.of(this.sessions, peer).delete(other);
  }

  /** Whether `peer` has `other` in its peer table. */
  sees(peer: string, other: string): boolean {
    return this.seen.get(peer)?.has(other) ?? false;
  }

  /** The peers `peer` has a session up with. */
  sessionsOf(peer: string): ReadonlySet<string> {
    return this.sessions.get(peer) ?? NONE;
  }

  /** Whether `peer` has a session up with `other`. */
  hasSession(peer: string, other: string): boolean {
    return this.sessions.get(peer)?.has(other) ?? false;
  }

  private of(map: Map<string, Set<string>>, peer: string): Set<string> {
    let set = map.get(peer);
    if (!set) map.set(peer, (set = new Set()));
    return set;
  }
}

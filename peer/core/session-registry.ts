/**
 * At most one live session per peer, and a rule both ends apply alike.
 *
 * When two peers dial each other at the same moment, each ends up with two
 * sessions. Both keep the one dialled by the peer with the smaller id, so they
 * agree without a round trip. A session newly dialled by the same side as the
 * current one replaces it: that side lost the old one and dialled again.
 */

/** What the registry needs to know of a session. */
export interface RegisteredSession {
  readonly peerId: string;
  readonly initiator: boolean;
  readonly isOpen: boolean;
}

export type RegisterOutcome<S> = { kept: S; dropped?: S };

/** The live sessions of one peer, by remote peer id. */
export class SessionRegistry<S extends RegisteredSession> {
  private readonly sessions = new Map<string, S>();

  constructor(private readonly selfId: string) {}

  get size(): number {
    return this.sessions.size;
  }

  get(peerId: string): S | undefined {
    const session = this.sessions.get(peerId);
    return session?.isOpen ? session : undefined;
  }

  all(): S[] {
    return [...this.sessions.values()].filter((s) => s.isOpen);
  }

  /** Adds a confirmed session; says which one to keep and which to close. */
  register(session: S): RegisterOutcome<S> {
    const current = this.sessions.get(session.peerId);
    if (!current || !current.isOpen || current.initiator === session.initiator) {
      this.sessions.set(session.peerId, session);
      return current?.isOpen ? { kept: session, dropped: current } : { kept: session };
    }
    // One dialled by us, one by them: keep the one dialled by the smaller id.
    const weDialSmaller = this.selfId < session.peerId;
    const preferred = session.initiator === weDialSmaller ? session : current;
    const other = preferred === session ? current : session;
    this.sessions.set(session.peerId, preferred);
    return { kept: preferred, dropped: other };
  }

  /** Forgets `session` if it is still the current one for its peer; true if it was. */
  remove(session: S): boolean {
    if (this.sessions.get(session.peerId) !== session) return false;
    this.sessions.delete(session.peerId);
    return true;
  }
}

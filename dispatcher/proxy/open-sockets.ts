/**
 * The WebSockets and HTTP responses (event streams) open through the proxy, by user
 * and session, so a logout closes that session's and a cull or an admin stop closes
 * all of the user's.
 */
interface OpenSocket {
  sid: string;
  close: () => void;
}

export class OpenSockets {
  private readonly byUser = new Map<string, Set<OpenSocket>>();

  /** Registers an open socket; returns what unregisters it. */
  add(user: string, sid: string, close: () => void): () => void {
    const entry = { sid, close };
    let set = this.byUser.get(user);
    if (!set) this.byUser.set(user, (set = new Set()));
    set.add(entry);
    return () => {
      set.delete(entry);
      if (set.size === 0 && this.byUser.get(user) === set) this.byUser.delete(user);
    };
  }

  closeUser(user: string): void {
    for (const socket of [...(this.byUser.get(user) ?? [])]) socket.close();
  }

  closeSession(user: string, sid: string): void {
    for (const socket of [...(this.byUser.get(user) ?? [])]) if (socket.sid === sid) socket.close();
  }

  closeAll(): void {
    for (const user of [...this.byUser.keys()]) this.closeUser(user);
  }

  count(user: string): number {
    return this.byUser.get(user)?.size ?? 0;
  }
}

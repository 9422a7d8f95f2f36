/**
 * Connections to the wire port, without IO: which to refuse at once and which
 * to close for taking too long to prove themselves. `now` is passed in.
 *
 * A connection that carries an authenticated Session stream lives as long as
 * the session and is not counted. Every other one is "unproven": it counts
 * against its address's cap, and must complete a Handshake or an Exchange
 * within `timeoutMs` of being opened (or of its last completed one, or of its
 * last session closing), else it is closed. So a seed's periodic Exchange
 * keeps its connection, a dial's Handshake is followed by its stream, and a
 * socket that never speaks is gone after one timeout.
 */
export interface ConnectionAdmissionOptions {
  /** Unproven connections allowed from one address at a time. */
  perAddress: number;
  timeoutMs: number;
}

interface Connection {
  address: string;
  /** Authenticated sessions this connection carries now. */
  sessions: number;
}

export class ConnectionAdmission {
  private readonly connections = new Map<string, Connection>();
  private readonly unprovenByAddress = new Map<string, number>();
  /** Deadlines of unproven connections, in deadline order (every deadline is now + timeoutMs, re-inserted when moved). */
  private readonly deadlines = new Map<string, number>();

  constructor(private readonly options: ConnectionAdmissionOptions) {}

  /** Connections tracked. */
  get size(): number {
    return this.connections.size;
  }

  /** Connections carrying no session. */
  get unproven(): number {
    let sum = 0;
    for (const count of this.unprovenByAddress.values()) sum += count;
    return sum;
  }

  /** Admits a new connection `key` from `address`; false when its address is at the cap (close it at once). */
  open(key: string, address: string, now: number): boolean {
    if ((this.unprovenByAddress.get(address) ?? 0) >= this.options.perAddress) return false;
    this.connections.set(key, { address, sessions: 0 });
    this.markUnproven(key, address, now);
    return true;
  }

  /** A Handshake or Exchange completed on `key`: it has another timeout to go on. */
  progressed(key: string, now: number): void {
    const connection = this.connections.get(key);
    if (connection && connection.sessions === 0) this.setDeadline(key, now + this.options.timeoutMs);
  }

  /** `key` now carries an authenticated session: it no longer counts or times out. */
  sessionOpened(key: string): void {
    const connection = this.connections.get(key);
    if (!connection) return;
    connection.sessions++;
    if (connection.sessions === 1) {
      this.deadlines.delete(key);
      this.addUnproven(connection.address, -1);
    }
  }

  /** A session on `key` ended; with none left the connection is unproven again. */
  sessionClosed(key: string, now: number): void {
    const connection = this.connections.get(key);
    if (!connection || connection.sessions === 0) return;
    connection.sessions--;
    if (connection.sessions === 0) this.markUnproven(key, connection.address, now);
  }

  /** `key` is gone (closed by either side). */
  closed(key: string): void {
    const connection = this.connections.get(key);
    if (!connection) return;
    this.connections.delete(key);
    if (connection.sessions === 0) {
      this.deadlines.delete(key);
      this.addUnproven(connection.address, -1);
    }
  }

  /** Unproven connections past their deadline, to close; each is reported once. */
  expired(now: number): string[] {
    const out: string[] = [];
    for (const [key, deadline] of this.deadlines) {
      if (deadline > now) break;
      this.deadlines.delete(key);
      out.push(key);
    }
    return out;
  }

  /** When the next unproven connection runs out of time, if any. */
  nextDeadline(): number | undefined {
    for (const deadline of this.deadlines.values()) return deadline;
    return undefined;
  }

  private markUnproven(key: string, address: string, now: number): void {
    this.addUnproven(address, 1);
    this.setDeadline(key, now + this.options.timeoutMs);
  }

  private setDeadline(key: string, deadline: number): void {
    this.deadlines.delete(key);
    this.deadlines.set(key, deadline);
  }

  private addUnproven(address: string, by: number): void {
    const count = (this.unprovenByAddress.get(address) ?? 0) + by;
    if (count <= 0) this.unprovenByAddress.delete(address);
    else this.unprovenByAddress.set(address, count);
  }
}

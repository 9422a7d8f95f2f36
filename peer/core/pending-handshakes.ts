/**
 * Handshakes answered whose Session stream has not arrived yet, without IO:
 * a cap over all remotes, one per remote address and one per claimed peer id,
 * so one remote cannot fill the table and lock everyone else out. Entries
 * expire `ttlMs` after they were added; `now` is passed in.
 */
export interface PendingHandshakeCaps {
  total: number;
  perAddress: number;
  perId: number;
  ttlMs: number;
}

/** Why a handshake was not admitted (the counter suffix, too). */
export type PendingRefusal = 'per_address_cap' | 'global_cap';

export type PendingAdmission =
  | { admitted: true; /** An older pending handshake of the same id made room for this one. */ replaced: boolean }
  | { admitted: false; reason: PendingRefusal; message: string };

interface Entry<T> {
  value: T;
  peerId: string;
  address: string;
  expiresAt: number;
}

export class PendingHandshakes<T> {
  /** In insertion order, which is expiry order: every entry lives the same ttl from a monotonic now. */
  private readonly entries = new Map<string, Entry<T>>();
  private readonly byAddress = new Map<string, number>();
  /** Keys of each id's entries, oldest first. */
  private readonly byId = new Map<string, string[]>();

  constructor(private readonly caps: PendingHandshakeCaps) {}

  get size(): number {
    return this.entries.size;
  }

  /** Which cap would refuse a handshake from `address` claiming `peerId` now, if any (check before doing the work). */
  refusal(peerId: string, address: string, now: number): PendingRefusal | undefined {
    this.prune(now);
    if ((this.byAddress.get(address) ?? 0) >= this.caps.perAddress) return 'per_address_cap';
    // At its own cap an id gives up its oldest entry instead of being refused: only the key's
    // holder can sign new inits, while anyone could replay old ones to lock the holder out.
    if ((this.byId.get(peerId)?.length ?? 0) >= this.caps.perId) return undefined;
    return this.entries.size >= this.caps.total ? 'global_cap' : undefined;
  }

  /** What a client is told when `refusal` said no. */
  refusalMessage(reason: PendingRefusal, address: string): string {
    return reason === 'per_address_cap'
      ? `too many handshakes in progress from ${address} (the cap is ${this.caps.perAddress} per address); try again in a few seconds`
      : `too many handshakes in progress (the cap is ${this.caps.total}); try again in a few seconds`;
  }

  /** Admits a pending handshake under `key` from `address` claiming `peerId`, or says which cap refused it. */
  add(key: string, peerId: string, address: string, value: T, now: number): PendingAdmission {
    const reason = this.refusal(peerId, address, now);
    if (reason) return { admitted: false, reason, message: this.refusalMessage(reason, address) };
    const oldest = this.byId.get(peerId) ?? [];
    const replaced = oldest.length >= this.caps.perId;
    if (replaced) this.delete(oldest[0]!);
    this.entries.set(key, { value, peerId, address, expiresAt: now + this.caps.ttlMs });
    this.byAddress.set(address, (this.byAddress.get(address) ?? 0) + 1);
    this.byId.set(peerId, [...(this.byId.get(peerId) ?? []), key]);
    return { admitted: true, replaced };
  }

  /** Removes and returns the entry under `key`: single use. Undefined when unknown or expired. */
  take(key: string, now: number): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.delete(key);
    return entry.expiresAt >= now ? entry.value : undefined;
  }

  /** Drops expired entries. */
  prune(now: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt >= now) break;
      this.delete(key);
    }
  }

  private delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    const count = (this.byAddress.get(entry.address) ?? 1) - 1;
    if (count === 0) this.byAddress.delete(entry.address);
    else this.byAddress.set(entry.address, count);
    const keys = (this.byId.get(entry.peerId) ?? []).filter((k) => k !== key);
    if (keys.length === 0) this.byId.delete(entry.peerId);
    else this.byId.set(entry.peerId, keys);
  }
}

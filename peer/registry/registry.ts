/**
 * A registry adapter (etcd, Consul): registers this peer with a lease or a TTL check,
 * publishes each new signed announcement of it, watches for the others' and hands
 * them to a RegistryInbox. It decides nothing about peers; it only keeps its own
 * registration alive through outages (retry with backoff, re-register).
 */

/** What the discovery shell needs of one registry. */
export interface Registry {
  /** Starts watching; never throws for a registry that is down (it retries). */
  start(): void;
  /** This peer's newest signed announcement: register it (coalesced: only the latest counts). */
  publish(packet: Buffer): void;
  /** Deregisters (best effort, bounded) and closes the client. */
  stop(): Promise<void>;
}

/** The entry this peer writes: the address to dial and its own announcement. */
export interface OwnEntry {
  id: string;
  /** The address written beside the announcement (the announcement's own port is the one dialled). */
  host: string;
}

/** Retry delays for a registry that failed: exponential with full jitter, 200 ms up to 5 s. */
export const REGISTRY_BACKOFF = { initialMs: 200, maxMs: 5000 };

/** How long one registry call may take before it counts as failed. */
export const REGISTRY_CALL_TIMEOUT_MS = 3000;

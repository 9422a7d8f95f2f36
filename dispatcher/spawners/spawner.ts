/**
 * The one interface behind which the dispatcher starts users' peers: `process` (child
 * peers on loopback), `docker` (containers), `swarm` (a service per user). One
 * conformance suite (test/support/spawner-conformance.ts) runs against each.
 */
export interface PeerInstance {
  /** Stable id of this peer instance (container id, pid-based id), also in its labels. */
  readonly instanceId: string;
  readonly user: string | undefined;          // undefined while vacant
  readonly state: 'vacant' | 'claimed' | 'starting' | 'stopped';
  /** Where the dispatcher reaches its web UI (http://host:port/), and the bearer token it must add. */
  readonly webUrl: string;
  readonly webToken: string;
  readonly startedAtMs: number;
}
export interface Spawner extends AsyncDisposable {
  readonly kind: 'process' | 'docker' | 'swarm';
  /** Starts a vacant peer: running, not yet anyone's; ready to be claimed quickly. */
  startVacant(): Promise<PeerInstance>;
  /** Gives a vacant peer to `user`: it takes on the user's own identity and history (kept per user by the
   *  spawner across logouts and restarts), resolves once its web UI answers. Atomic: one instance, one user. */
  claim(instanceId: string, user: string): Promise<PeerInstance>;
  /** Starts a peer for `user` directly (no pool). Idempotent per user: concurrent calls → one peer. */
  startFor(user: string, onProgress?: (step: string) => void): Promise<PeerInstance>;
  /** Stops the user's peer (data kept). */
  stop(user: string): Promise<void>;
  /** Every instance this spawner owns, rebuilt from its labels/state (after a dispatcher restart too). */
  list(): Promise<PeerInstance[]>;
  /** Removes everything it created (instances; keeps users' data unless told). */
  close(): Promise<void>;
}
export interface SpawnerOptions { stateDir: string; startTimeoutMs: number; /* kind-specific extras */ }

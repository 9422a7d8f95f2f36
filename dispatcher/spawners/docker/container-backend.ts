/**
 * What differs between the docker and the swarm spawner: how an instance is created,
 * found, reached, given to a user, stopped and removed. The rest (the pool, claims, the
 * user's data, readiness) is the same code (container-spawner.ts).
 */
import type Docker from 'dockerode';

/** Labels on everything a container spawner creates. */
export const LABELS = {
  /** Which spawner (state dir) owns it. */
  scope: 'peerlab.spawner',
  instance: 'peerlab.instance',
  /** Image and flags it was started with: a vacant one of another generation is replaced. */
  generation: 'peerlab.generation',
  /** The user it was claimed for (where labels can change after creation: swarm services). */
  user: 'peerlab.user',
} as const;

/** One instance as the engine shows it. */
export interface FoundInstance {
  instanceId: string;
  user: string | undefined;
  generation: string;
  /** Its container runs (swarm: the task's container). */
  running: boolean;
  /** Its container has exited (or died): it will not run again by itself. */
  exited: boolean;
  createdAtMs: number;
  /** The container, once there is one (a swarm task may not be scheduled yet). */
  container: Docker.Container | undefined;
}

/** Where a running instance answers. */
export interface Endpoints {
  /** Base URL of the vacant peer's claim endpoint. */
  claim: string;
  /** host:port of the control API. */
  control: string;
  /** Base URL of the web UI. */
  web: string;
}

/** A vacant peer to create. */
export interface VacantSpec {
  instanceId: string;
  image: string;
  command: string[];
  env: string[];
  labels: Record<string, string>;
}

export interface ContainerBackend {
  readonly kind: 'docker' | 'swarm';
  /** Creates and starts a vacant peer's container (or service); its peer may not listen yet. */
  create(spec: VacantSpec): Promise<void>;
  /** One instance, or undefined when it is gone. */
  get(instanceId: string): Promise<FoundInstance | undefined>;
  /** Every instance of this spawner. */
  find(): Promise<FoundInstance[]>;
  endpoints(found: FoundInstance): Promise<Endpoints>;
  /** Records, on the engine, that `user` owns the instance; refuses one that is someone's. */
  assign(found: FoundInstance, user: string): Promise<void>;
  /** Stops the peer (SIGTERM; it closes its logs) and keeps the container, so its data can be copied out. */
  halt(found: FoundInstance): Promise<void>;
  /** Removes the instance and its container. */
  remove(found: FoundInstance): Promise<void>;
  /** Removes what the backend made besides instances, once none is left. */
  close(): Promise<void>;
}

/** Docker's 404 or 409 on something already gone or going: fine when removing. */
export function ignoreGone(err: { statusCode?: number }): void {
  if (err.statusCode !== 404 && err.statusCode !== 409) throw err;
}

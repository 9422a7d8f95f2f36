/**
 * What a `login` step logs users in through: a spawner of the step's kind over a state
 * dir of the run's own, and the dispatcher's own warm pool (dispatcher/pool) over it,
 * so a login here is what `POST /login` sets going in the dispatcher — minus HTTP. The
 * pool is filled before any login (warm means started ahead of need); login → ready is
 * the time from asking the pool for the user's peer to the spawner's answer, which it
 * gives once the peer runs as the user and its web UI answers.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DispatcherEvent } from '../../../dispatcher/events.js';
import { PeerPool } from '../../../dispatcher/pool/pool.js';
import { createSpawner } from '../../../dispatcher/spawners/create-spawner.js';
import type { InspectableSpawner } from '../../../dispatcher/spawners/spawner-extras.js';
import { ControlClient } from '../../../peer/control/control-client.js';
import type { LoginSpawner, PeerSettings } from '../../scenario/types.js';
import { LabError } from '../../runtimes/errors.js';
import { labPeerArgs } from '../../runtimes/peer-args.js';
import { randomLoopbackNetwork } from '../../runtimes/process/peer-process.js';
import type { StartedPeer } from '../../runtimes/runtime.js';
import { SpawnedPeer } from './spawned-peer.js';
import { TrackedSpawner } from './tracked-spawner.js';

/** Containers start slower than processes, and many start at once. */
const START_TIMEOUT_MS = 120_000;

export interface Login {
  peer: StartedPeer;
  ms: number;
  fromPool: boolean;
}

export interface LoginFleetOptions {
  spawner: LoginSpawner;
  pool: number;
  settings: PeerSettings;
  connectOnDiscovery: boolean;
}

export class LoginFleet {
  /** Whether each user's last start claimed a warm peer (the pool's `start` events say). */
  private readonly fromPool = new Map<string, boolean>();
  private readonly errors: string[] = [];

  private constructor(
    readonly options: LoginFleetOptions,
    private readonly stateDir: string,
    private readonly spawner: InspectableSpawner,
    private readonly tracked: TrackedSpawner,
    private readonly pool: PeerPool,
  ) {}

  /** A spawner and a pool filled with `pool` vacant peers. */
  static async create(options: LoginFleetOptions): Promise<LoginFleet> {
    const stateDir = await mkdtemp(join(tmpdir(), `peerlab-login-${options.spawner}-`));
    let spawner: InspectableSpawner | undefined;
    try {
      spawner = await createSpawner(options.spawner, { stateDir, startTimeoutMs: START_TIMEOUT_MS, peerArgs: peerArgsFor(options) });
      // The pool reports only once it works (refill, acquire): by then `fleet` is set.
      let fleet: LoginFleet | undefined;
      const tracked = new TrackedSpawner(spawner);
      const pool = new PeerPool(tracked, { size: options.pool, maxUsers: Number.MAX_SAFE_INTEGER, now: Date.now }, (e) => fleet?.onEvent(e));
      fleet = new LoginFleet(options, stateDir, spawner, tracked, pool);
      await fleet.fill();
      return fleet;
    } catch (err) {
      await spawner?.close({ removeData: true }).catch(() => undefined);
      await rm(stateDir, { recursive: true, force: true });
      throw err;
    }
  }

  /** Logs `user` in: their peer, once ready, and how long that took. */
  async login(user: string): Promise<Login> {
    const began = performance.now();
    const instance = await this.pool.acquire(user);
    const ms = performance.now() - began;
    const endpoint = await this.spawner.controlOf(instance.instanceId);
    const control = new ControlClient(endpoint.target, endpoint.token);
    const id = (await control.whoami()).id;
    const peer = new SpawnedPeer(user, id, control, () => this.pool.stop(user, 'admin'), async () => (await this.login(user)).peer);
    return { peer, ms, fromPool: this.fromPool.get(user) ?? false };
  }

  /** Stops every peer and removes everything the spawner made, the users' data too. */
  async close(): Promise<void> {
    this.pool.close();
    try {
      await this.tracked.startsSettled();
      await this.spawner.close({ removeData: true });
    } finally {
      await rm(this.stateDir, { recursive: true, force: true });
    }
  }

  private onEvent(event: DispatcherEvent): void {
    if (event.type === 'start') this.fromPool.set(event.user, event.fromPool);
    if (event.type === 'error') this.errors.push(event.message);
    if (event.type === 'vacant' || event.type === 'error') this.changed?.();
  }

  private changed: (() => void) | undefined;

  /** Starts the pool and waits until it holds `pool` vacant peers; a failed start fails the step. */
  private async fill(): Promise<void> {
    let deadline: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve, reject) => {
      deadline = setTimeout(() => reject(new LabError(`the warm pool did not fill (${this.pool.vacantCount}/${this.options.pool}) within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
      this.changed = () => {
        if (this.errors.length > 0) reject(new LabError(`the warm pool could not start a peer: ${this.errors[0]}`));
        else if (this.pool.vacantCount >= this.options.pool) resolve();
      };
      this.pool.refill();
      this.changed();
    }).finally(() => {
      clearTimeout(deadline);
      this.changed = undefined;
    });
  }
}

/**
 * The scenario's settings as flags; processes share loopback, so they get a multicast
 * group of the run's own; containers get one on their spawner's network anyway (swarm
 * tasks share the engine's bridge: a group of their own too).
 */
function peerArgsFor(options: LoginFleetOptions): string[] {
  const args = labPeerArgs(options.settings, options.connectOnDiscovery);
  if (options.spawner === 'docker') return args;
  const network = randomLoopbackNetwork();
  return ['--multicast-group', network.group, '--multicast-port', String(network.port), ...args];
}

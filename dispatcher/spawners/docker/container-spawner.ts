/**
 * The docker and swarm spawners: every peer is a vacant `peerlab peer` in a container of
 * the lab's peer image, claimed for a user. The user's data lives on the dispatcher's
 * host in `STATE/users/NAME` (the same layout as the process spawner's) and is copied
 * into the container just before the claim and out again after a stop: a container
 * created ahead of need cannot have the user's volume mounted, and copying only that
 * user's dir keeps every container blind to other users' files. Which instance belongs
 * to whom is kept on the engine (container names, service labels), so a spawner made
 * again over the same state dir rebuilds everything from there.
 */
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { remaining } from '../deadline.js';
import { SpawnerError } from '../errors.js';
import { StartsInFlight } from '../starts-in-flight.js';
import { PEER_HAS_WEB, webTokenSetting } from '../peer-web.js';
import { waitUntilReady } from '../readiness.js';
import { newInstanceId, SpawnerSecrets } from '../secrets.js';
import { SingleFlight } from '../single-flight.js';
import type { PeerInstance, SpawnerOptions } from '../spawner.js';
import type { CloseOptions, ControlEndpoint, InspectableSpawner } from '../spawner-extras.js';
import { checkUserName } from '../user-name.js';
import { claimVacant, vacantState } from '../vacant-client.js';
import { LABELS, type ContainerBackend, type FoundInstance } from './container-backend.js';
import { containerDataDir, copyIn, copyOut, vacantCommand } from './peer-in-container.js';

export interface ContainerSpawnerOptions extends SpawnerOptions {
  /** The peer image (`peerlab lab image`); built or reused from this checkout when absent. */
  image?: string;
  /** `peerlab peer` flags every peer gets after the spawner's own. */
  peerArgs?: string[];
}

/** A backend made for a spawner's scope. */
export type BackendFactory = (scope: string) => Promise<ContainerBackend>;

export class ContainerSpawner implements InspectableSpawner {
  private readonly starts = new SingleFlight<PeerInstance>();
  private readonly inFlight = new StartsInFlight();
  private readonly claiming = new Set<string>();
  private readonly generation: string;

  private constructor(
    readonly options: ContainerSpawnerOptions,
    private readonly secrets: SpawnerSecrets,
    private readonly backend: ContainerBackend,
    private readonly image: string,
  ) {
    this.generation = createHash('sha256').update(JSON.stringify([image, options.peerArgs ?? []])).digest('hex').slice(0, 12);
  }

  get kind(): 'docker' | 'swarm' {
    return this.backend.kind;
  }

  /**
   * A spawner over `stateDir` on `backend`. Instances assigned to a user whose claim never
   * happened (the spawner died between the two) are removed: their data is still the host's copy.
   */
  static async create(options: ContainerSpawnerOptions, makeBackend: BackendFactory, image: string): Promise<ContainerSpawner> {
    const secrets = await SpawnerSecrets.open(options.stateDir);
    const spawner = new ContainerSpawner(options, secrets, await makeBackend(secrets.scope), image);
    for (const found of await spawner.backend.find()) {
      if (found.user === undefined || !found.running) continue;
      const state = await vacantState((await spawner.backend.endpoints(found)).claim, secrets.token('claim', found.instanceId), 1_000);
      if (state === 'vacant') await spawner.backend.remove(found);
    }
    return spawner;
  }

  async startVacant(): Promise<PeerInstance> {
    return this.inFlight.run(async () => this.view(await this.createVacant(Date.now() + this.options.startTimeoutMs)));
  }

  async claim(instanceId: string, user: string): Promise<PeerInstance> {
    checkUserName(user);
    return this.inFlight.run(() =>
      this.starts.run(user, async () => {
        const existing = await this.liveInstanceOf(user);
        if (existing) return this.view(existing);
        const found = await this.backend.get(instanceId);
        if (!found) throw new SpawnerError(`no instance ${instanceId}`);
        return this.claimFound(found, user, Date.now() + this.options.startTimeoutMs);
      }),
    );
  }

  startFor(user: string, onProgress?: (step: string) => void): Promise<PeerInstance> {
    checkUserName(user);
    return this.inFlight.run(() =>
      this.starts.run(user, async () => {
        const existing = await this.liveInstanceOf(user);
        if (existing) return this.view(existing);
        const deadline = Date.now() + this.options.startTimeoutMs;
        onProgress?.(`starting a ${this.kind === 'swarm' ? 'service' : 'container'}`);
        const found = await this.createVacant(deadline);
        return this.claimFound(found, user, deadline, onProgress);
      }),
    );
  }

  async stop(user: string): Promise<void> {
    checkUserName(user);
    await this.starts.settled(user);
    for (const found of (await this.backend.find()).filter((f) => f.user === user)) await this.retire(found);
  }

  async list(): Promise<PeerInstance[]> {
    const views: PeerInstance[] = [];
    for (const found of await this.backend.find()) {
      const busy = this.claiming.has(found.instanceId);
      // Nobody's and out of date or dead: removed, not listed.
      if (!busy && found.user === undefined && (found.generation !== this.generation || found.exited)) await this.backend.remove(found);
      else views.push(await this.view(found));
    }
    return views;
  }

  async controlOf(instanceId: string): Promise<ControlEndpoint> {
    const found = await this.backend.get(instanceId);
    if (!found?.running || found.user === undefined) throw new SpawnerError(`instance ${instanceId} has no control API (${found ? (found.running ? 'vacant' : 'stopped') : 'no such instance'})`);
    return { target: (await this.backend.endpoints(found)).control, token: this.secrets.token('control', instanceId) };
  }

  /** Copies every user's data out, removes every instance and what the backend made. */
  async close(options: CloseOptions = {}): Promise<void> {
    await this.inFlight.close();
    const all = await this.backend.find();
    await Promise.all(all.map((found) => (found.user === undefined ? this.backend.remove(found) : this.retire(found))));
    await this.backend.close();
    if (options.removeData) await rm(join(this.options.stateDir, 'users'), { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private userDir(user: string): string {
    return join(this.options.stateDir, 'users', user);
  }

  /**
   * The user's running peer. One that stopped on its own (a crash, the engine restarted)
   * holds newer data than the host: copied out and removed on the way.
   */
  private async liveInstanceOf(user: string): Promise<FoundInstance | undefined> {
    let live: FoundInstance | undefined;
    for (const found of (await this.backend.find()).filter((f) => f.user === user)) {
      if (found.running && live === undefined) live = found;
      else if (found.exited || found.running) await this.retire(found);
    }
    return live;
  }

  /** Stops the peer, copies the user's data out, removes the instance; a failed copy keeps the container (the data is in it). */
  private async retire(found: FoundInstance): Promise<void> {
    if (found.user !== undefined && found.container) {
      if (found.running) await this.backend.halt(found);
      try {
        await copyOut(found.container, found.user, this.userDir(found.user));
      } catch (err) {
        throw new SpawnerError(`stopping ${found.user}'s peer ${found.instanceId}: copying the data out failed, so its container is kept: ${(err as Error).message}`, { cause: err });
      }
    }
    await this.backend.remove(found);
  }

  /** Creates a vacant peer and waits until it listens for its claim; a failure removes it. */
  private async createVacant(deadline: number): Promise<FoundInstance> {
    const instanceId = newInstanceId(this.kind === 'swarm' ? 's' : 'd');
    try {
      await this.backend.create({
        instanceId,
        image: this.image,
        command: vacantCommand(this.options.peerArgs ?? []),
        env: [`PEERLAB_CLAIM_TOKEN=${this.secrets.token('claim', instanceId)}`],
        labels: { [LABELS.instance]: instanceId, [LABELS.generation]: this.generation },
      });
      // Each try asks the engine twice and the peer once: backing off keeps many starts at once from loading dockerd.
      for (let pause = 25; ; pause = Math.min(250, pause * 1.5)) {
        const found = await this.backend.get(instanceId);
        if (found?.running && (await vacantState((await this.backend.endpoints(found)).claim, this.secrets.token('claim', instanceId), 1_000)) === 'vacant') return found;
        if (found?.exited) throw new SpawnerError(`vacant peer ${instanceId} exited before it listened for its claim`);
        if (Date.now() >= deadline) throw new SpawnerError(`vacant peer ${instanceId} did not listen for its claim within the start timeout`);
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    } catch (err) {
      const found = await this.backend.get(instanceId).catch(() => undefined);
      if (found) await this.backend.remove(found);
      throw err;
    }
  }

  /** Gives the vacant `found` to `user`: recorded on the engine, the user's data copied in, the claim sent, readiness awaited. */
  private async claimFound(found: FoundInstance, user: string, deadline: number, onProgress?: (step: string) => void): Promise<PeerInstance> {
    const { instanceId } = found;
    if (this.claiming.has(instanceId)) throw new SpawnerError(`instance ${instanceId} is being claimed already`);
    if (found.user !== undefined) throw new SpawnerError(`instance ${instanceId} is not vacant: claimed by ${JSON.stringify(found.user)}`);
    if (!found.running || !found.container) throw new SpawnerError(`instance ${instanceId} is not vacant: not running`);
    this.claiming.add(instanceId);
    try {
      // First on the engine: a spawner restarted meanwhile never hands this instance to anyone else.
      await this.backend.assign(found, user);
      const claimed: FoundInstance = { ...found, user };
      try {
        onProgress?.('copying your identity and history in');
        await copyIn(found.container, user, this.userDir(user));
        onProgress?.('starting your peer');
        const endpoints = await this.backend.endpoints(claimed);
        const ready = await claimVacant(endpoints.claim, this.secrets.token('claim', instanceId), {
          name: user,
          dataDir: containerDataDir(user),
          controlToken: this.secrets.token('control', instanceId),
          ...webTokenSetting(this.secrets.token('web', instanceId)),
        }, remaining(deadline, instanceId));
        onProgress?.(PEER_HAS_WEB ? 'waiting for your peer’s web page' : 'waiting for your peer to answer');
        await waitUntilReady(
          { control: endpoints.control, controlToken: this.secrets.token('control', instanceId), id: ready.id, ...(PEER_HAS_WEB ? { webUrl: endpoints.web, webToken: this.secrets.token('web', instanceId) } : {}) },
          remaining(deadline, instanceId),
        );
        onProgress?.('ready');
        this.claiming.delete(instanceId);
        return await this.view(claimed);
      } catch (err) {
        // Nothing of the user's is lost: the host's copy is still the one that counts.
        await this.backend.remove(claimed);
        throw err;
      }
    } finally {
      this.claiming.delete(instanceId);
    }
  }

  private async view(found: FoundInstance): Promise<PeerInstance> {
    const state = !found.running ? (found.exited ? 'stopped' : 'starting') : this.claiming.has(found.instanceId) ? 'starting' : found.user === undefined ? 'vacant' : 'claimed';
    return {
      instanceId: found.instanceId,
      user: found.user,
      state,
      webUrl: PEER_HAS_WEB && state === 'claimed' ? (await this.backend.endpoints(found)).web : '',
      webToken: this.secrets.token('web', found.instanceId),
      startedAtMs: found.createdAtMs,
    };
  }
}


/**
 * The spawner as the pool sees it, with the vacant starts it set going counted: the pool
 * refills in the background, and a peer whose start is still under way when the run
 * closes its spawner would be created after that close — and left behind.
 */
import type { PeerInstance, Spawner } from '../../../dispatcher/spawners/spawner.js';

export class TrackedSpawner implements Spawner {
  private readonly starts = new Set<Promise<unknown>>();

  constructor(private readonly inner: Spawner) {}

  get kind(): Spawner['kind'] {
    return this.inner.kind;
  }

  startVacant(): Promise<PeerInstance> {
    const start = this.inner.startVacant();
    const settled = start.catch(() => undefined).finally(() => this.starts.delete(settled));
    this.starts.add(settled);
    return start;
  }

  /** Resolves once no vacant start is under way (the pool has stopped refilling first). */
  async startsSettled(): Promise<void> {
    while (this.starts.size > 0) await Promise.all(this.starts);
  }

  claim(instanceId: string, user: string): Promise<PeerInstance> {
    return this.inner.claim(instanceId, user);
  }

  startFor(user: string, onProgress?: (step: string) => void): Promise<PeerInstance> {
    return this.inner.startFor(user, onProgress);
  }

  stop(user: string): Promise<void> {
    return this.inner.stop(user);
  }

  list(): Promise<PeerInstance[]> {
    return this.inner.list();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.inner.close();
  }
}

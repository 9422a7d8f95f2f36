/**
 * Resource samples of a peer container, in the process runtime's fields: RSS from the
 * Docker stats API (the cgroup's memory usage minus page cache, as `docker stats`
 * shows it), CPU percent of one core from the change in the cgroup's CPU time between
 * two samples, and the V8 heap from the peer's own Stats (the control API).
 */
import { performance } from 'node:perf_hooks';
import type Docker from 'dockerode';
import type { ResourceSample } from '../runtime.js';

/** Memory the way `docker stats` counts it: usage minus cache (cgroup v1) or inactive file pages (v2). */
export function memoryBytes(stats: Docker.ContainerStats): number {
  const mem = stats.memory_stats;
  const s = (mem.stats ?? {}) as Record<string, number | undefined>;
  const cache = s.total_inactive_file ?? s.inactive_file ?? s.cache ?? 0;
  return Math.max(0, (mem.usage ?? 0) - cache);
}

/** Samples one container; keeps the previous CPU reading for the next percent. */
export class ContainerSampler {
  private last: { cpuNs: number; at: number } | undefined;

  constructor(
    private readonly container: Docker.Container,
    /** When the container (re)started, ms on performance.now(), for the first sample's average. */
    private readonly startedAt: number,
    /** The peer's heap, from its control API; undefined when it cannot answer (paused). */
    private readonly heap: () => Promise<number | undefined>,
  ) {}

  private lastHeap = 0;

  async sample(): Promise<ResourceSample> {
    const [stats, heap] = await Promise.all([this.container.stats({ stream: false, 'one-shot': true }), this.heap().catch(() => undefined)]);
    const at = performance.now();
    const cpuNs = stats.cpu_stats?.cpu_usage?.total_usage ?? 0;
    const since = this.last ?? { cpuNs: 0, at: this.startedAt };
    this.last = { cpuNs, at };
    if (heap !== undefined) this.lastHeap = heap;
    const elapsedNs = Math.max(1, (at - since.at) * 1e6);
    return {
      rssBytes: memoryBytes(stats),
      heapUsedBytes: this.lastHeap,
      cpuPercent: Math.max(0, ((cpuNs - since.cpuNs) / elapsedNs) * 100),
    };
  }
}

/**
 * Resource samples from a peer's own control API (Stats): memory as the peer reads it,
 * CPU timed on the peer's own clock (its uptime, read with its CPU time), never by when
 * the reply reached the lab. The first sample has no CPU figure: there is no earlier reading.
 */
import type { ControlClient } from '../../peer/control/control-client.js';
import { cpuPercentBetween, type CpuReading } from '../metrics/cpu.js';
import type { ResourceSample } from './runtime.js';

export class StatsSampler {
  private last: CpuReading | undefined;

  constructor(private readonly control: () => ControlClient) {}

  async sample(): Promise<ResourceSample> {
    const stats = await this.control().stats();
    const reading = { cpuUs: Number(stats.cpuUserUs) + Number(stats.cpuSystemUs), uptimeMs: Number(stats.uptimeMs) };
    const cpuPercent = this.last && cpuPercentBetween(this.last, reading);
    this.last = reading;
    const counters = stats.counters;
    // Heard from others: by multicast (less its own packets, which come back) and through registries.
    const announcementsReceived = (counters['discovery.multicast.received'] ?? 0) - (counters['discovery.multicast.self'] ?? 0) + (counters['discovery.registry.entries'] ?? 0);
    return {
      rssBytes: Number(stats.rssBytes),
      heapUsedBytes: Number(stats.heapUsedBytes),
      ...(cpuPercent === undefined ? {} : { cpuPercent }),
      sessionsOpen: stats.sessionsOpen,
      announcementsReceived: Number(announcementsReceived),
      uptimeMs: Number(stats.uptimeMs),
    };
  }
}

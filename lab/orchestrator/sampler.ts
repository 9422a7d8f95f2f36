import type { RunContext } from './context.js';
import type { PeerSlot } from './fleet.js';

/** Twice a second, so every live peer gets at least one sample a second even when a call is slow. */
export const SAMPLE_INTERVAL_MS = 500;

/**
 * Samples every running peer's memory and CPU through its runtime (process: the control
 * API's Stats; docker: Docker stats) and records `sample` events. A peer whose previous
 * sample has not come back is skipped, so a stalled peer does not pile up calls.
 */
export class Sampler {
  private cancel: (() => void) | undefined;
  private readonly busy = new Set<PeerSlot>();
  private readonly failedOnce = new Set<string>();

  constructor(
    private readonly ctx: RunContext,
    private readonly intervalMs = SAMPLE_INTERVAL_MS,
  ) {}

  /** Samples every interval on the run's clock; a runtime that cannot sample per peer (see `Runtime.unsampled`) is not asked. */
  start(): void {
    if (this.cancel || this.ctx.runtime.unsampled !== undefined) return;
    const every = () => {
      this.cancel = this.ctx.recorder.clock.after(this.intervalMs, () => {
        this.tick();
        every();
      });
    };
    every();
  }

  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
  }

  private tick(): void {
    for (const slot of this.ctx.fleet.up()) {
      const peer = slot.peer;
      if (!peer || this.busy.has(slot)) continue;
      this.busy.add(slot);
      peer
        .sample()
        .then((s) => {
          if (slot.peer !== peer || slot.state !== 'up') return;
          const cpu = s.cpuPercent === undefined ? {} : { cpuPercent: Math.round(s.cpuPercent * 100) / 100 };
          const load = s.sessionsOpen === undefined ? {} : { sessionsOpen: s.sessionsOpen };
          const heard = s.announcementsReceived === undefined || s.uptimeMs === undefined ? {} : { announcementsReceived: s.announcementsReceived, uptimeMs: s.uptimeMs };
          this.ctx.recorder.emit({ type: 'sample', peer: slot.name, rssBytes: s.rssBytes, heapUsedBytes: s.heapUsedBytes, ...cpu, ...load, ...heard });
        })
        .catch((err: unknown) => {
          // A peer going down mid-call is expected; a live peer that cannot report is worth one error.
          if (slot.peer !== peer || slot.state !== 'up' || this.failedOnce.has(slot.name)) return;
          this.failedOnce.add(slot.name);
          this.ctx.recorder.emit({ type: 'error', peer: slot.name, message: `resource sample failed: ${err instanceof Error ? err.message : String(err)}` });
        })
        .finally(() => this.busy.delete(slot));
    }
  }
}

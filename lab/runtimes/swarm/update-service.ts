/**
 * Changing a swarm service's spec. An update names the service version it read; the swarm
 * bumps that version itself (it records an earlier update's progress or a task's state),
 * so a read-then-write can lose the race with "update out of sequence". That is not a
 * failure: read again, decide again on what was read, write again.
 */
import { docker } from '../docker/docker-client.js';

/** A service's spec as the engine returns it (the fields callers change, and the rest). */
export interface ServiceSpec extends Record<string, unknown> {
  Labels?: Record<string, string>;
  TaskTemplate: { ForceUpdate?: number; Placement?: { Constraints?: string[] } & Record<string, unknown> } & Record<string, unknown>;
}

/**
 * Writes `change(spec)` over the service's current spec. `change` runs on each read, so
 * a check inside it (is the service still vacant?) is made against the version written.
 */
export async function updateService(serviceId: string, change: (spec: ServiceSpec) => ServiceSpec, attempts = 5): Promise<void> {
  const service = docker().getService(serviceId);
  for (let attempt = 1; ; attempt++) {
    const info = (await service.inspect()) as { Version: { Index: number }; Spec: ServiceSpec };
    try {
      await service.update({ _query: { version: info.Version.Index }, _body: change(info.Spec) });
      return;
    } catch (error) {
      if (attempt >= attempts || !isOutOfSequence(error)) throw error;
    }
  }
}

/** The swarm's answer to an update that named a stale service version. */
export function isOutOfSequence(error: unknown): boolean {
  return /update out of sequence/i.test(error instanceof Error ? error.message : String(error));
}

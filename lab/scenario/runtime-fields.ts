/**
 * The scenario's `runtime:` section: how the lab starts the fleet, not how a peer behaves.
 *
 *   runtime:
 *     peers_per_process: 25   # process runtime: peers per `peerlab host` (1: a process each; auto by default)
 *     ready_timeout: 60s      # how long one peer may take to come up (auto: grows with the fleet)
 *
 * Both are settable with --set runtime.peers_per_process=… and --set runtime.ready_timeout=….
 */
import type { Fields } from './fields.js';
import type { RuntimeSettings } from './types.js';

export const RUNTIME_FIELDS = ['peers_per_process', 'ready_timeout'] as const;

/** The most peers one host process may run (a host's command line allows 10,000; more than this is one event loop for too many). */
export const MAX_PEERS_PER_PROCESS = 1_000;

/** Reads `runtime:`; `auto` (or leaving a field out) lets the lab choose from the fleet's size. */
export function readRuntimeSettings(raw: unknown, f: Fields): RuntimeSettings {
  if (raw === undefined || raw === null) return {};
  const map = f.map(raw, 'runtime', RUNTIME_FIELDS);
  const settings: RuntimeSettings = {};
  if (map.peers_per_process !== undefined && map.peers_per_process !== 'auto') {
    settings.peersPerProcess = f.number(map.peers_per_process, 'runtime.peers_per_process', `a whole number of peers from 1 to ${MAX_PEERS_PER_PROCESS}, or auto`, {
      integer: true,
      min: 1,
      max: MAX_PEERS_PER_PROCESS,
    });
  }
  if (map.ready_timeout !== undefined && map.ready_timeout !== 'auto') {
    settings.readyTimeoutMs = f.duration(map.ready_timeout, 'runtime.ready_timeout');
    if (settings.readyTimeoutMs < 1_000) f.fail('runtime.ready_timeout', `must be at least 1s (a peer takes about a second of CPU to boot), got ${String(map.ready_timeout)}`);
  }
  return settings;
}

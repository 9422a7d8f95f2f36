import type { Fields } from './fields.js';
import { readLoss } from './steps.js';
import type { NetworkProfile } from './types.js';

/** The largest one-way latency or jitter the profile takes: beyond it nothing converges in a run. */
const MAX_LATENCY_MS = 60_000;

/**
 * `network: { latency: 2ms, jitter: 1ms, loss: 0.01 }`: the simulated network's base
 * profile (every packet of a `--runtime sim` run). Each field may be left out (0);
 * jitter may not exceed the latency, so no packet travels back in time.
 */
export function readNetwork(value: unknown, f: Fields): NetworkProfile | undefined {
  if (value === undefined || value === null) return undefined;
  const m = f.map(value, 'network', ['latency', 'jitter', 'loss']);
  const ms = (key: 'latency' | 'jitter') => {
    if (m[key] === undefined) return 0;
    const v = f.duration(m[key], `network.${key}`);
    if (v > MAX_LATENCY_MS) f.fail(`network.${key}`, `must be at most ${MAX_LATENCY_MS}ms, got ${v}ms`);
    return v;
  };
  const latencyMs = ms('latency');
  const jitterMs = ms('jitter');
  if (jitterMs > latencyMs) f.fail('network.jitter', `must not exceed network.latency (${latencyMs}ms), got ${jitterMs}ms`);
  const loss = m.loss === undefined ? 0 : readLoss(f, m.loss, 'network.loss');
  if (loss >= 1) f.fail('network.loss', 'must be below 1: with every packet lost nothing can run');
  return { latencyMs, jitterMs, loss };
}

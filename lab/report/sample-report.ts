import { computeMetrics } from '../metrics/collector.js';
import type { HistoryEvent } from '../metrics/events.js';
import { syntheticGossipRun, type SyntheticGossipOptions } from '../metrics/gossip-synthetic-run.js';
import { syntheticRun, type SyntheticRunOptions } from '../metrics/synthetic-run.js';
import { parseScenario } from '../scenario/parse.js';
import { deriveSeed } from '../scenario/random.js';
import { buildReport, type RunInput } from './build-report.js';
import type { Baseline, Environment, Report } from './types.js';

/** A fixed environment, so sample reports do not depend on the machine running the tests. */
export const SAMPLE_ENVIRONMENT: Environment = {
  versions: { peerlab: '0.1.0', node: '20.0.0', grpc_js: '1.14.7' },
  machine: { os: 'Linux', release: '6.1.0', arch: 'x64', cpus: 2, cpu_model: 'Test CPU', memory_mb: 4096, hostname: 'lab-host' },
};

/** The scenario the synthetic run plays: two labelled load steps and a kill/restart of p3. */
export function sampleScenarioYaml(name = 'sample-churn'): string {
  return `
name: ${JSON.stringify(name)}
description: Five peers, two load steps (20/s then 40/s), p3 killed and restarted in between.
seed: 42
params:
  peers: 5
steps:
  - start: { count: \${peers} }
  - wait_for: { condition: discovered, timeout: 10s }
  - load: { rate: 20, duration: 5s, label: 20/s }
  - kill: { peers: [3] }
  - load: { rate: 40, duration: 2.5s, label: 40/s }
  - wait_for: { condition: delivered, timeout: 10s }
slos:
  - delivery_ratio >= 0.98
  - latency.p99 < 50ms
  - discovery.converged_ms < 3000
  - memory.max_rss_mb < 512
`;
}

/** A complete report (and its events) built from a synthetic run; no peers needed. */
export function sampleReport(options: SyntheticRunOptions & { name?: string } = {}): { report: Report; events: HistoryEvent[] } {
  const { report, histories } = sampleRepeatedReport(1, options);
  return { report, events: histories[0]! };
}

/** A fixed baseline, so sample reports do not depend on the machine running the tests. */
export function sampleBaseline(index = 0): Baseline {
  return {
    grpc_echo: { p50_us: 95 + index, p99_us: 240 + 10 * index, samples: 600 },
    load_avg: { before: [0.5, 0.4, 0.3], after: [1.2 + index / 10, 0.6, 0.35] },
    cpu_steal_percent: { before: 0, after: 0.4 },
  };
}

/**
 * A report of `count` synthetic runs (run i: seed deriveSeed(42, i), latencies scaled
 * by `latencyScales[i]`), and each run's events; no peers needed.
 */
export function sampleRepeatedReport(
  count: number,
  options: SyntheticRunOptions & { name?: string; latencyScales?: number[] } = {},
): { report: Report; histories: HistoryEvent[][] } {
  const [scenario] = parseScenario(sampleScenarioYaml(options.name), 'scenarios/sample-churn.yaml', {});
  const started = Date.parse('2025-01-02T03:04:05.000Z');
  let at = started;
  const histories: HistoryEvent[][] = [];
  const runs: RunInput[] = [];
  for (let i = 0; i < count; i++) {
    const seed = deriveSeed(scenario!.seed, i);
    const events = syntheticRun({ ...options, seed: options.seed ?? seed, latencyScale: options.latencyScales?.[i] ?? options.latencyScale ?? 1 });
    const metrics = computeMetrics(events);
    histories.push(events);
    runs.push({ seed, startedAt: new Date(at), finishedAt: new Date(at + metrics.duration_ms), events, metrics, baseline: sampleBaseline(i) });
    at += metrics.duration_ms + 3_000;
  }
  const report = buildReport({ scenario: scenario!, runtime: 'process', runs, environment: SAMPLE_ENVIRONMENT });
  return { report, histories };
}

/** A gossip scenario for the synthetic gossip run: eight peers, three authors, a hostile label and description. */
const GOSSIP_YAML = `
name: gossip-sample
description: Eight peers <b>broadcast</b>.
params: { peers: 8 }
steps:
  - start: { count: \${peers} }
  - load: { pattern: broadcast, authors: [0, 1, 2], rate: 10, duration: 3s, label: "<script>x</script>" }
  - wait_for: { condition: gossip_delivered, timeout: 10s }
slos:
  - gossip.delivery_ratio == 1
  - gossip.dissemination.p99_ms < 50ms
  - gossip.amplification >= 1
`;

/** A report of a synthetic gossip run (and its events), `set` applied to the scenario as `--set` would; no peers needed. */
export function sampleGossipReport(options: SyntheticGossipOptions & { set?: Record<string, string> } = {}): { report: Report; events: HistoryEvent[] } {
  const events = syntheticGossipRun(options);
  const [scenario] = parseScenario(GOSSIP_YAML, 'scenarios/gossip-sample.yaml', options.set ?? {});
  const metrics = computeMetrics(events);
  const report = buildReport({ scenario: scenario!, runtime: 'process', runs: [{ startedAt: '2025-01-02T03:04:05.000Z', finishedAt: '2025-01-02T03:04:15.000Z', events, metrics }], environment: SAMPLE_ENVIRONMENT });
  return { report, events };
}

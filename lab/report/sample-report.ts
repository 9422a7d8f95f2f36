import { computeMetrics } from '../metrics/collector.js';
import type { HistoryEvent } from '../metrics/events.js';
import { syntheticRun, type SyntheticRunOptions } from '../metrics/synthetic-run.js';
import { parseScenario } from '../scenario/parse.js';
import { buildReport } from './build-report.js';
import type { Environment, Report } from './types.js';

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
  const events = syntheticRun(options);
  const [scenario] = parseScenario(sampleScenarioYaml(options.name), 'scenarios/sample-churn.yaml', {});
  const metrics = computeMetrics(events);
  const report = buildReport({
    scenario: scenario!,
    runtime: 'process',
    startedAt: '2025-01-02T03:04:05.000Z',
    finishedAt: new Date(Date.parse('2025-01-02T03:04:05.000Z') + metrics.duration_ms).toISOString(),
    events,
    metrics,
    environment: SAMPLE_ENVIRONMENT,
  });
  return { report, events };
}

import type { Metrics } from '../metrics/types.js';
import { buildReport } from '../report/build-report.js';
import { SAMPLE_ENVIRONMENT, sampleBaseline, sampleScenarioYaml } from '../report/sample-report.js';
import type { Report } from '../report/types.js';
import { parseScenario } from '../scenario/parse.js';

/**
 * A report of repeated runs whose per-run metrics are given outright (tests draw them from
 * known distributions; building them from synthetic events would be slower and less
 * controlled). The sample scenario, environment and baselines; medians and intervals as
 * any report's.
 */
export function reportOfRuns(runs: readonly Metrics[]): Report {
  const [scenario] = parseScenario(sampleScenarioYaml(), 'scenarios/sample-churn.yaml', {});
  const start = Date.parse('2025-01-02T03:04:05.000Z');
  return buildReport({
    scenario: scenario!,
    runtime: 'process',
    environment: SAMPLE_ENVIRONMENT,
    runs: runs.map((metrics, i) => ({
      startedAt: new Date(start + i * 60_000),
      finishedAt: new Date(start + i * 60_000 + metrics.duration_ms),
      events: [],
      metrics,
      baseline: sampleBaseline(i),
    })),
  });
}

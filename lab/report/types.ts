import type { Metrics } from '../metrics/types.js';
import type { SloResult } from '../scenario/slo.js';
import type { ParamValue } from '../scenario/types.js';

/** The report schema version this code writes and reads. */
export const SCHEMA_VERSION = 1;

/** What the run ran on. */
export interface Environment {
  versions: { peerlab: string; node: string; grpc_js: string };
  machine: { os: string; release: string; arch: string; cpus: number; cpu_model: string; memory_mb: number; hostname: string };
}

/** report.json: everything a person or CI needs to judge one run. */
export interface Report extends Environment {
  schemaVersion: typeof SCHEMA_VERSION;
  /** pass: every SLO met and no step failed. */
  verdict: 'pass' | 'fail';
  /** Why the verdict is fail (empty when pass). */
  verdict_reasons: string[];
  scenario: {
    name: string;
    description: string;
    file: string;
    params: Record<string, ParamValue>;
    sweep: Record<string, ParamValue>;
    overrides: Record<string, string>;
    steps: Array<{ index: number; kind: string; label?: string }>;
  };
  seed: number;
  runtime: string;
  started_at: string;
  finished_at: string;
  duration_ms: number;
  metrics: Metrics;
  slos: SloResult[];
}

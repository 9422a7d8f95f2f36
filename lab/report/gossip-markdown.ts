import { formatMetric } from '../metrics/format.js';
import type { GossipMetrics } from '../metrics/gossip-types.js';
import { gossipModelLabel, modelVersusMeasured, perHopText } from './gossip-model.js';
import { md } from './markdown-text.js';
import type { GossipModelReport } from './types.js';

/** The gossip lines of report.md (only for runs that wrote group messages), with the push-gossip model against the run when there is one. */
export function gossipMarkdown(g: GossipMetrics, model?: GossipModelReport): string[] {
  const d = g.dissemination;
  const times = (s: { p50_ms: number; p99_ms: number; max_ms: number; incomplete: number }) =>
    `${[s.p50_ms, s.p99_ms, s.max_ms].map((v) => formatMetric(v, 'ms')).join(' / ')}${s.incomplete ? ` (${s.incomplete} never)` : ''}`;
  const i = g.ingest;
  return [
    '',
    '### Group messages (gossip)',
    '',
    '| metric | value |',
    '|---|---:|',
    `| delivery ratio (mean / worst message) | ${formatMetric(g.delivery_ratio, 'ratio')} / ${formatMetric(g.min_delivery_ratio, 'ratio')} (${g.messages} messages, ${g.missing} missing of ${g.expected}) |`,
    `| until 50 % have it: p50 / p99 / max | ${times(d.to_50)} |`,
    `| until 99 % have it: p50 / p99 / max | ${times(d.to_99)} |`,
    `| until all have it: p50 / p99 / max | ${times(d)} |`,
    `| amplification (copies received per message delivered) | ${g.amplification === null ? 'n/a' : `${formatMetric(g.amplification, 'number')}×`} |`,
    `| hops mean / max | ${formatMetric(g.hops.mean, 'number')} / ${g.hops.max} |`,
    `| copies received per peer, mean / max | ${formatMetric(i.copies_per_s_mean, 'per_s')} / ${formatMetric(i.copies_per_s_max, 'per_s')} |`,
    `| signature checks per peer, mean / max | ${formatMetric(i.checks_per_s_mean, 'per_s')} / ${formatMetric(i.checks_per_s_max, 'per_s')} |`,
    `| Ed25519 verify ceiling (one core) · busiest peer's share | ${i.verify_ceiling_per_s === null ? 'not measured' : formatMetric(i.verify_ceiling_per_s, 'per_s')} · ${formatMetric(i.ingest_vs_ceiling, 'ratio')} |`,
    ...(model ? modelLines(model, g) : []),
  ];
}

/** The model's figures against the run's, and how its rounds were placed in time. */
function modelLines(model: GossipModelReport, g: GossipMetrics): string[] {
  return [
    '',
    `| ${md(gossipModelLabel(model))} | model | measured |`,
    '|---|---:|---:|',
    ...modelVersusMeasured(model, g).map((r) => `| ${md(r.figure)} | ${md(r.model)} | ${md(r.measured)} |`),
    '',
    `The model: push gossip in rounds, mean field, every peer knowing every other, no loss; ${md(perHopText(model))}. Anti-entropy (digests) is not modelled: what it adds shows only in the measurement.`,
  ];
}

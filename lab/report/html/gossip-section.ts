import { formatMetric } from '../../metrics/format.js';
import type { DisseminationSummary, GossipMetrics } from '../../metrics/gossip-types.js';
import { gossipModelLabel, modelVersusMeasured, perHopText } from '../gossip-model.js';
import type { GossipModelReport } from '../types.js';
import { esc } from './escape.js';
import { lineChart, type ChartSeries } from './line-chart.js';
import { colour, MODEL_LINE } from './palette.js';
import { formatTick, linear, niceMax, niceTicks } from './scale.js';

/** The gossip section of report.html: key numbers, the dissemination curve (with the push-gossip model over it), the hop histogram, per-peer ingest and the worst messages. */
export function gossipSection(g: GossipMetrics, model?: GossipModelReport): string {
  return `<section class="card" data-section="gossip"><h2>Group messages (gossip)</h2>
<p class="meta">${esc(g.messages)} messages to ${esc(g.rooms.join(', '))} from ${esc(g.authors.join(', '))}. A peer is <em>live</em> for a message if it showed it, was up when the run ended, or was up from the scheduled send until the message's last showing anywhere; the author is left out.</p>
${gossipNumbers(g)}
</section>
<div class="grid2">
  <section class="card chart-card"><h2>Dissemination</h2>${disseminationChart(g, model)}<p>Share of a message's live peers that have shown it, by time since its scheduled send: the median message, the mean, and the worst.${model ? ` Dashed grey: the ${esc(gossipModelLabel(model))}, the expected share for push gossip alone, in rounds (mean field, every peer knowing every other, no loss); ${esc(perHopText(model))}. Anti-entropy is not in the model, so catch-ups by digest show only in the measured curves.` : ''}</p>${model ? modelTable(model, g) : ''}</section>
  <section class="card chart-card"><h2>Hops</h2>${hopChart(g)}<p>Hops travelled by the copy each peer showed first (1 = straight from the author).</p></section>
</div>
<section class="card"><h2>Gossip per peer</h2>${perPeerTable(g)}</section>
${g.worst.length ? `<section class="card"><h2>Messages not everywhere (${esc(g.messages - g.complete_messages)})</h2>${worstTable(g)}</section>` : ''}`;
}

function gossipNumbers(g: GossipMetrics): string {
  const d = g.dissemination;
  const row = (label: string, value: string, detail = '') => `<tr><td>${esc(label)}</td><td class="num">${esc(value)}</td><td>${esc(detail)}</td></tr>`;
  const times = (s: DisseminationSummary) => [s.p50_ms, s.p99_ms, s.max_ms].map((v) => formatMetric(v, 'ms')).join(' / ');
  const incomplete = (s: DisseminationSummary) => (s.incomplete ? `${s.incomplete} messages never got there` : `over ${s.count} messages`);
  const ingest = g.ingest;
  return `<table><thead><tr><th>metric</th><th class="num">value</th><th>detail</th></tr></thead><tbody>
${row('delivery ratio (mean over messages)', formatMetric(g.delivery_ratio, 'ratio'), `${g.deliveries} of ${g.expected} (message, live peer) pairs · ${g.missing} missing · ${g.complete_messages}/${g.messages} messages everywhere`)}
${row('worst message', formatMetric(g.min_delivery_ratio, 'ratio'))}
${row('until 50 % have it: p50 / p99 / max', times(d.to_50), incomplete(d.to_50))}
${row('until 99 % have it: p50 / p99 / max', times(d.to_99), incomplete(d.to_99))}
${row('until all have it: p50 / p99 / max', times(d), incomplete(d))}
${row('amplification', g.amplification === null ? 'n/a' : `${formatMetric(g.amplification, 'number')}×`, `${g.counters.copies_received} copies received for ${g.counters.delivered - g.counters.originated} messages stored from others (${g.counters.peers} peers' counters)`)}
${row('hops: mean / max', `${formatMetric(g.hops.mean, 'number')} / ${g.hops.max}`)}
${row('copies received per peer: mean / max', `${formatMetric(ingest.copies_per_s_mean, 'per_s')} / ${formatMetric(ingest.copies_per_s_max, 'per_s')}`, 'per second of gossip activity')}
${row('signature checks per peer: mean / max', `${formatMetric(ingest.checks_per_s_mean, 'per_s')} / ${formatMetric(ingest.checks_per_s_max, 'per_s')}`, 'copies already seen are dropped before the check')}
${row('Ed25519 verify ceiling (one core)', ingest.verify_ceiling_per_s === null ? 'not measured' : formatMetric(ingest.verify_ceiling_per_s, 'per_s'), 'measured in the lab process before the run')}
${row('busiest peer vs ceiling', formatMetric(ingest.ingest_vs_ceiling, 'ratio'), 'its share of one core spent verifying')}
</tbody></table>`;
}

/**
 * The dissemination curve: percent of live peers against ms since the scheduled send, and
 * the model's expected curve over it (dashed): a staircase, since in the round model a
 * round's deliveries all land at its time, held at its last value to the chart's end. The
 * time axis reaches at least to where the model levels off.
 */
export function disseminationChart(g: GossipMetrics, model?: GossipModelReport): string {
  const pts = (key: 'p50' | 'mean' | 'min') => g.curve.map((p) => [p.t_ms, p[key] * 100] as const);
  const series: ChartSeries[] = [
    { name: 'median message', points: pts('p50'), colour: colour(0) },
    { name: 'mean', points: pts('mean'), colour: colour(5), dashed: true },
    { name: 'worst message', points: pts('min'), colour: colour(2) },
  ];
  const timed = model?.points.flatMap((p) => (p.t_ms === null ? [] : [[p.t_ms, p.share * 100] as const])) ?? [];
  let end = g.curve.at(-1)?.t_ms ?? 1;
  if (model && timed.length) {
    // Where the model levels off (within 0.1 % of its final share): later rounds add nothing visible.
    const settled = model.points.find((p) => p.share >= model.reach - 0.001)?.t_ms ?? 0;
    end = Math.max(end, settled);
    const last = timed.at(-1)!;
    series.push({ name: gossipModelLabel(model), points: last[0] < end ? [...timed, [end, last[1]] as const] : timed, colour: MODEL_LINE, dashed: true, step: true, wholeName: true });
  }
  return lineChart({
    name: 'gossip-dissemination',
    title: 'Gossip dissemination',
    x: { label: 'time since scheduled send (ms)', min: 0, max: end },
    y: { label: 'live peers that have it (%)', min: 0, max: 100 },
    series,
    width: 500,
    height: 320,
    emptyText: 'No group message reached a live peer',
  });
}

/** Bars: how many first copies travelled each number of hops. */
export function hopChart(g: GossipMetrics): string {
  const W = 500;
  const H = 320;
  const box = { left: 64, right: W - 20, top: 20, bottom: H - 46 };
  const bars = g.hops.histogram;
  const parts = [`<svg data-chart="gossip-hops" class="chart" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="Hop counts" xmlns="http://www.w3.org/2000/svg" font-size="11">`, '<title>Hop counts</title>'];
  if (bars.length === 0) {
    parts.push(`<text class="empty" x="${(box.left + box.right) / 2}" y="${(box.top + box.bottom) / 2}" text-anchor="middle">No copies reached another peer</text></svg>`);
    return parts.join('\n');
  }
  const maxHops = bars.at(-1)!.hops;
  const minHops = Math.min(bars[0]!.hops, 1);
  const slots = maxHops - minHops + 1;
  const slot = (box.right - box.left) / slots;
  const yMax = niceMax(Math.max(...bars.map((b) => b.count)));
  const y = linear([0, yMax], [box.bottom, box.top]);
  for (const t of niceTicks(0, yMax, 5)) {
    const py = r(y(t));
    parts.push(`<line class="grid" x1="${box.left}" x2="${box.right}" y1="${py}" y2="${py}"/>`);
    parts.push(`<text class="tick" x="${box.left - 6}" y="${py}" text-anchor="end" dominant-baseline="middle">${esc(formatTick(t))}</text>`);
  }
  parts.push(`<line class="axis" x1="${box.left}" x2="${box.right}" y1="${box.bottom}" y2="${box.bottom}"/>`);
  for (let h = minHops; h <= maxHops; h++) {
    const cx = r(box.left + (h - minHops + 0.5) * slot);
    parts.push(`<text class="tick" x="${cx}" y="${box.bottom + 17}" text-anchor="middle">${esc(h)}</text>`);
  }
  for (const b of bars) {
    const x0 = r(box.left + (b.hops - minHops + 0.15) * slot);
    const top = r(y(b.count));
    parts.push(`<rect class="bar" data-hops="${esc(b.hops)}" x="${x0}" y="${top}" width="${r(slot * 0.7)}" height="${r(box.bottom - top)}" fill="${colour(0)}"><title>${esc(`${b.hops} hops: ${b.count}`)}</title></rect>`);
  }
  parts.push(`<text class="axis-label" x="${(box.left + box.right) / 2}" y="${H - 8}" text-anchor="middle">hops</text>`);
  parts.push(`<text class="axis-label" transform="translate(14 ${(box.top + box.bottom) / 2}) rotate(-90)" text-anchor="middle">first copies</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}

/** The model's figures against the run's. */
function modelTable(model: GossipModelReport, g: GossipMetrics): string {
  const rows = modelVersusMeasured(model, g).map((r) => `<tr><td>${esc(r.figure)}</td><td class="num">${esc(r.model)}</td><td class="num">${esc(r.measured)}</td></tr>`);
  return `<table data-table="gossip-model"><thead><tr><th>push-gossip model vs run</th><th class="num">model</th><th class="num">measured</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function perPeerTable(g: GossipMetrics): string {
  const n = (v: number | null, unit: 'per_s' | 'count') => (v === null ? '—' : formatMetric(v, unit));
  const rows = g.per_peer.map(
    (p) => `<tr class="${p.received < p.expected ? 'miss' : ''}"><td><code>${esc(p.peer)}</code></td><td class="num">${esc(p.received)} / ${esc(p.expected)}</td><td class="num">${esc(n(p.copies_received, 'count'))}</td><td class="num">${esc(n(p.signature_checks, 'count'))}</td><td class="num">${esc(n(p.copies_per_s, 'per_s'))}</td><td class="num">${esc(n(p.checks_per_s, 'per_s'))}</td></tr>`,
  );
  return `<table><thead><tr><th>peer</th><th class="num">shown / live for</th><th class="num">copies received</th><th class="num">signature checks</th><th class="num">copies / s</th><th class="num">checks / s</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function worstTable(g: GossipMetrics): string {
  const rows = g.worst.map(
    (w) => `<tr class="miss"><td><code>${esc(w.id.slice(0, 12))}</code></td><td><code>${esc(w.from)}</code></td><td class="num">${esc(formatMetric(w.scheduled_ms, 'ms'))}</td><td class="num">${esc(formatMetric(w.ratio, 'ratio'))}</td><td>${esc(w.missing.join(', '))}</td></tr>`,
  );
  return `<table><thead><tr><th>message</th><th>author</th><th class="num">scheduled at</th><th class="num">ratio</th><th>missing at</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function r(v: number): number {
  return Math.round(v * 10) / 10;
}

import { maxOf, minOf } from '../../metrics/stats.js';
import { esc } from './escape.js';
import { colour, FAULT_MARKER, STEP_MARKER } from './palette.js';
import { formatTick, linear, logScale, niceMax, niceTicks } from './scale.js';

export interface ChartSeries {
  name: string;
  points: ReadonlyArray<readonly [number, number]>;
  colour?: string;
  dashed?: boolean;
  /** Draw as a staircase (a value holds until the next point). */
  step?: boolean;
  /** Shade the area under the line. */
  area?: boolean;
  /** Show the whole name in the legend (others are cut at LEGEND_CHARS), on a row of its own when it needs one. */
  wholeName?: boolean;
}

/** A labelled vertical line on the x axis: a scenario step or an injected fault. */
export interface ChartMarker {
  x: number;
  label: string;
  kind: 'step' | 'fault';
}

export interface AxisSpec {
  label: string;
  min?: number;
  max?: number;
  /** Fixed ticks (value and text); otherwise round ticks are chosen. */
  ticks?: Array<{ value: number; label: string }>;
  format?: (v: number) => string;
  /** Log10 scale (y axis only), for data spanning decades such as latency tails. */
  log?: boolean;
}

export interface ChartSpec {
  /** Becomes data-chart="NAME" (tests and styles find charts by it). */
  name: string;
  title: string;
  x: AxisSpec;
  y: AxisSpec;
  series: ChartSeries[];
  markers?: ChartMarker[];
  width?: number;
  height?: number;
  emptyText?: string;
}

const FONT = 11;
const CHAR_W = 6.4; // rough width of one 11px character, for laying out the legend
const LEGEND_CHARS = 28;

/** Renders a line chart as a self-contained inline SVG string: axes, ticks, gridlines, legend, markers. */
export function lineChart(spec: ChartSpec): string {
  const W = spec.width ?? 880;
  const H = spec.height ?? 300;
  const legend = layoutLegend(spec.series, W - 80);
  const box = { left: 64, right: W - 20, top: 14 + legend.height, bottom: H - 46 };
  const points = spec.series.flatMap((s) => s.points);
  const markers = spec.markers ?? [];

  // Loops, not Math.min(...xs): a 1,000-peer run's memory chart has 600,000 points, past what a spread fits on the stack.
  const xs = [...points.map((p) => p[0]), ...markers.map((m) => m.x)];
  const xMin = spec.x.min ?? minOf(xs, 0);
  const xMaxRaw = spec.x.max ?? maxOf(xs, 1);
  const xMax = xMaxRaw > xMin ? xMaxRaw : xMin + 1;
  const x = linear([xMin, xMax], [box.left, box.right]);
  const fmtX = spec.x.format ?? formatTick;
  const fmtY = spec.y.format ?? formatTick;
  const xTicks = spec.x.ticks ?? niceTicks(xMin, xMax, 8).map((v) => ({ value: v, label: fmtX(v) }));
  const ys = points.map((p) => p[1]);
  let y;
  let yTicks;
  if (spec.y.log) {
    const positive = ys.filter((v) => v > 0);
    const log = logScale(minOf(positive, 1), Math.max(1, maxOf(ys, 1)), [box.bottom, box.top]);
    y = log.scale;
    yTicks = spec.y.ticks ?? log.ticks.map((v) => ({ value: v, label: fmtY(v) }));
  } else {
    const yMin = spec.y.min ?? 0;
    const yMax = spec.y.max ?? niceMax(Math.max(yMin, maxOf(ys, yMin)));
    y = linear([yMin, yMax > yMin ? yMax : yMin + 1], [box.bottom, box.top]);
    yTicks = spec.y.ticks ?? niceTicks(yMin, y.domain[1], 5).map((v) => ({ value: v, label: fmtY(v) }));
  }
  const clip = `clip-${spec.name.replace(/[^a-z0-9-]/gi, '')}`;

  const parts: string[] = [];
  parts.push(`<svg data-chart="${esc(spec.name)}" class="chart" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${esc(spec.title)}" xmlns="http://www.w3.org/2000/svg" font-size="${FONT}">`);
  parts.push(`<title>${esc(spec.title)}</title>`);
  parts.push(`<defs><clipPath id="${clip}"><rect x="${box.left}" y="${box.top - 2}" width="${box.right - box.left}" height="${box.bottom - box.top + 4}"/></clipPath></defs>`);

  // Gridlines and y ticks.
  for (const t of yTicks) {
    const py = r(y(t.value));
    parts.push(`<line class="grid" x1="${box.left}" x2="${box.right}" y1="${py}" y2="${py}"/>`);
    parts.push(`<text class="tick" x="${box.left - 6}" y="${py}" text-anchor="end" dominant-baseline="middle">${esc(t.label)}</text>`);
  }
  // X axis and its ticks.
  parts.push(`<line class="axis" x1="${box.left}" x2="${box.right}" y1="${box.bottom}" y2="${box.bottom}"/>`);
  parts.push(`<line class="axis" x1="${box.left}" x2="${box.left}" y1="${box.top}" y2="${box.bottom}"/>`);
  for (const t of xTicks) {
    if (t.value < xMin || t.value > xMax) continue;
    const px = r(x(t.value));
    parts.push(`<line class="axis" x1="${px}" x2="${px}" y1="${box.bottom}" y2="${box.bottom + 5}"/>`);
    parts.push(`<text class="tick" x="${px}" y="${box.bottom + 17}" text-anchor="middle">${esc(t.label)}</text>`);
  }
  parts.push(`<text class="axis-label" x="${(box.left + box.right) / 2}" y="${H - 8}" text-anchor="middle">${esc(spec.x.label)}</text>`);
  parts.push(`<text class="axis-label" transform="translate(14 ${(box.top + box.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(spec.y.label)}</text>`);

  // Markers under the data, labels on top (drawn last).
  const merged = mergeMarkers(markers, x);
  for (const m of merged) {
    parts.push(`<line class="marker marker-${m.kind}" x1="${m.px}" x2="${m.px}" y1="${box.top}" y2="${box.bottom}" stroke="${m.kind === 'fault' ? FAULT_MARKER : STEP_MARKER}"/>`);
  }

  // Series.
  parts.push(`<g clip-path="url(#${clip})">`);
  spec.series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const c = s.colour ?? colour(i);
    const pts = s.points.map(([px, py]) => [r(x(px)), r(y(py))] as const);
    const d = path(pts, s.step === true);
    if (s.area && pts.length > 1) {
      parts.push(`<path class="area" d="${d} L${pts[pts.length - 1]![0]},${box.bottom} L${pts[0]![0]},${box.bottom} Z" fill="${c}"/>`);
    }
    parts.push(`<path class="line" data-series="${esc(s.name)}" d="${d}" stroke="${c}"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/>`);
    if (pts.length === 1) parts.push(`<circle cx="${pts[0]![0]}" cy="${pts[0]![1]}" r="3" fill="${c}"/>`);
  });
  parts.push('</g>');

  if (points.length === 0) {
    parts.push(`<text class="empty" x="${(box.left + box.right) / 2}" y="${(box.top + box.bottom) / 2}" text-anchor="middle">${esc(spec.emptyText ?? 'No data in this run')}</text>`);
  }
  for (const m of merged) {
    parts.push(`<text class="marker-label marker-label-${m.kind}" transform="translate(${r(m.px - 4)} ${box.top + 4}) rotate(-90)" text-anchor="end"><title>${esc(m.label)}</title>${esc(truncate(m.label, 34))}</text>`);
  }
  parts.push(legend.render(spec.series, 64));
  parts.push('</svg>');
  return parts.join('\n');
}

function path(pts: ReadonlyArray<readonly [number, number]>, step: boolean): string {
  return pts
    .map(([px, py], i) => {
      if (i === 0) return `M${px},${py}`;
      return step ? `H${px}V${py}` : `L${px},${py}`;
    })
    .join('');
}

/** Markers closer than a few pixels share one line and one label. */
function mergeMarkers(markers: readonly ChartMarker[], x: (v: number) => number): Array<{ px: number; label: string; kind: 'step' | 'fault' }> {
  const sorted = [...markers].sort((a, b) => a.x - b.x);
  const out: Array<{ px: number; label: string; kind: 'step' | 'fault' }> = [];
  for (const m of sorted) {
    const px = r(x(m.x));
    const last = out[out.length - 1];
    if (last && px - last.px < 9) {
      // "kill" (the step) and "kill p3" (its fault) say the same thing: keep the longer.
      const labels = last.label.split(' · ');
      const same = labels.findIndex((l) => m.label.startsWith(l) || l.startsWith(m.label));
      if (same < 0) labels.push(m.label);
      else if (m.label.length > labels[same]!.length) labels[same] = m.label;
      last.label = labels.join(' · ');
      if (m.kind === 'fault') last.kind = 'fault';
    } else out.push({ px, label: m.label, kind: m.kind });
  }
  return out;
}

/** Lays the legend out in rows across the top of the chart. */
function layoutLegend(series: readonly ChartSeries[], maxWidth: number): { height: number; render: (s: readonly ChartSeries[], left: number) => string } {
  const shown = series.map((s) => (s.wholeName ? s.name : truncate(s.name, LEGEND_CHARS)));
  const widths = shown.map((name) => 42 + name.length * CHAR_W);
  const rows: number[][] = [[]];
  let used = 0;
  widths.forEach((w, i) => {
    if (used + w > maxWidth && rows[rows.length - 1]!.length) {
      rows.push([]);
      used = 0;
    }
    rows[rows.length - 1]!.push(i);
    used += w;
  });
  const height = series.length ? rows.length * 18 + 4 : 0;
  return {
    height,
    render: (s, left) => {
      const items: string[] = ['<g class="legend">'];
      rows.forEach((row, ri) => {
        let px = left;
        for (const i of row) {
          const py = 10 + ri * 18;
          const c = s[i]!.colour ?? colour(i);
          items.push(`<line x1="${px}" x2="${px + 18}" y1="${py}" y2="${py}" stroke="${c}" stroke-width="3"${s[i]!.dashed ? ' stroke-dasharray="5 4"' : ''}/>`);
          items.push(`<text x="${px + 24}" y="${py}" dominant-baseline="middle">${esc(shown[i]!)}</text>`);
          px += widths[i]!;
        }
      });
      items.push('</g>');
      return items.join('');
    },
  };
}

function truncate(text: string, n: number): string {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}

function r(v: number): number {
  return Math.round(v * 10) / 10;
}

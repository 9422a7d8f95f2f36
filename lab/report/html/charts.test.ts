import { describe, expect, it } from 'vitest';
import { computeMetrics } from '../../metrics/collector.js';
import { syntheticRun } from '../../metrics/synthetic-run.js';
import { discoveryChart, latencyDistributionChart, latencyOverTimeChart, memoryChart, throughputChart, timeMarkers } from './charts.js';
import { niceTicks } from './scale.js';

const charts = [discoveryChart, latencyDistributionChart, latencyOverTimeChart, memoryChart, throughputChart];

describe('charts', () => {
  const m = computeMetrics(syntheticRun());

  it('each renders one svg[data-chart] with a drawn path, ticks and a legend', () => {
    for (const chart of charts) {
      const svg = chart(m);
      expect(svg.match(/<svg data-chart="[a-z-]+"/g)).toHaveLength(1);
      expect(svg).toMatch(/<path class="line" data-series="[^"]+" d="M[\d.]+,[\d.]+[LHV]/);
      expect(svg.match(/class="tick"/g)!.length).toBeGreaterThanOrEqual(4);
      expect(svg).toContain('class="legend"');
      expect(svg).not.toContain('NaN');
    }
  });

  it('marks steps and faults on time charts, escaped', () => {
    const hostile = structuredClone(m);
    hostile.timeline.faults.push({ t_ms: 1000, fault: 'kill', peers: ['<b>p9</b>'] });
    const svg = throughputChart(hostile);
    expect(svg).toContain('kill &lt;b&gt;p9&lt;/b&gt;');
    expect(svg).not.toContain('<b>');
    expect(timeMarkers(m).map((x) => x.label)).toEqual(expect.arrayContaining(['load: 20/s', 'kill p3', 'restart p3']));
  });

  it("draws a 1,000-peer fleet's memory (600,000 points) without running out of stack", () => {
    const big = structuredClone(m);
    const series = Array.from({ length: 600 }, (_, k) => ({ t_ms: k * 1000, rss_mb: 5 + (k % 7), heap_mb: 2 }));
    big.memory.per_peer = Array.from({ length: 1000 }, (_, i) => ({ peer: `p${i}`, max_rss_mb: 11, mean_rss_mb: 8, max_heap_mb: 2, series }));
    const svg = memoryChart(big);
    expect(svg).toContain('data-series="p999"');
    expect(svg).not.toContain('NaN');
  });

  it('renders axes and a note instead of lines for an empty run', () => {
    const empty = computeMetrics([]);
    for (const chart of charts) {
      const svg = chart(empty);
      expect(svg).toContain('class="empty"');
      expect(svg).not.toContain('class="line"');
      expect(svg).not.toContain('NaN');
    }
  });
});

describe('niceTicks', () => {
  it('picks round steps covering the range', () => {
    expect(niceTicks(0, 10, 5)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(0, 4600, 5)).toEqual([0, 1000, 2000, 3000, 4000]);
    expect(niceTicks(0.2, 1.1, 8)).toEqual([0.2, 0.4, 0.6, 0.8, 1]);
  });
});

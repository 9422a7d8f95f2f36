import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleGossipReport, sampleReport } from './sample-report.js';
import { writeReport, type WrittenReport } from './write-report.js';

// PEERLAB_REPORT_SAMPLE_DIR keeps the report and screenshot somewhere to look at them.
const keep = process.env.PEERLAB_REPORT_SAMPLE_DIR;
let root: string;
let profile: string;
let context: BrowserContext;
let files: WrittenReport;
let gossipFiles: WrittenReport;

beforeAll(async () => {
  root = keep ? resolve(keep) : await mkdtemp(join(tmpdir(), 'peerlab-html-'));
  await mkdir(root, { recursive: true });
  profile = await mkdtemp(join(tmpdir(), 'peerlab-chromium-'));
  const { report, events } = sampleReport();
  files = await writeReport(root, report, [events]);
  const gossip = sampleGossipReport();
  gossipFiles = await writeReport(root, gossip.report, [gossip.events]);
  context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await context?.close();
  await rm(profile, { recursive: true, force: true });
  if (!keep) await rm(root, { recursive: true, force: true });
});

describe('report.html in headless Chromium', () => {
  it('draws every chart offline, without a single network request', async () => {
    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url());
    });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(pathToFileURL(files.html).href, { waitUntil: 'load' });

    const charts = await page.$$eval('svg[data-chart]', (svgs) =>
      svgs.map((svg) => {
        const shapes = [...svg.querySelectorAll('path.line, polyline')] as SVGGraphicsElement[];
        const boxes = shapes.map((s) => s.getBBox()).filter((b) => b.width > 0 || b.height > 0);
        const outer = svg.getBoundingClientRect();
        return {
          name: svg.getAttribute('data-chart'),
          drawn: shapes.filter((s) => (s.getAttribute('d') ?? s.getAttribute('points') ?? '').length > 3).length,
          withGeometry: boxes.length,
          widest: Math.max(0, ...boxes.map((b) => b.width)),
          ticks: svg.querySelectorAll('text.tick').length,
          legend: svg.querySelectorAll('.legend text').length,
          size: [outer.width, outer.height],
        };
      }),
    );
    expect(charts.map((c) => c.name).sort()).toEqual(['discovery', 'latency-distribution', 'latency-over-time', 'memory', 'throughput']);
    for (const c of charts) {
      expect(c.drawn, `${c.name} has a path`).toBeGreaterThan(0);
      expect(c.withGeometry, `${c.name} path has geometry`).toBe(c.drawn);
      expect(c.widest, `${c.name} spans the plot`).toBeGreaterThan(100);
      expect(c.ticks, `${c.name} has ticks`).toBeGreaterThanOrEqual(4);
      expect(c.legend, `${c.name} has a legend`).toBeGreaterThan(0);
      expect(c.size[0]).toBeGreaterThan(300);
    }
    // Time charts carry labelled step and fault markers.
    const markerLabels = await page.$$eval('svg[data-chart="throughput"] text.marker-label', (ts) => ts.map((t) => t.textContent));
    expect(markerLabels.join(' ')).toContain('kill p3');
    expect(markerLabels.join(' ')).toContain('load: 20/s');

    expect(await page.textContent('.verdict')).toBe('FAIL');
    expect(requests).toEqual([]);
    expect(pageErrors).toEqual([]);

    const screenshot = join(files.dir, 'report.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    expect((await stat(screenshot)).size).toBeGreaterThan(10_000);
    await page.close();
  });

  it('draws the push-gossip model dashed over the measured dissemination curve, its legend entry whole and inside the chart', async () => {
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(pathToFileURL(gossipFiles.html).href, { waitUntil: 'load' });
    const label = 'push-gossip model (f=4, ttl=8, N=8), anti-entropy not modelled';
    const chart = await page.$eval('svg[data-chart="gossip-dissemination"]', (svg, label) => {
      if (!(svg instanceof SVGSVGElement)) throw new Error('the chart is not an <svg>');
      const viewBox = svg.viewBox.baseVal;
      const lines = [...svg.querySelectorAll('path.line')] as SVGPathElement[];
      const model = lines.find((p) => p.getAttribute('data-series') === label);
      const median = lines.find((p) => p.getAttribute('data-series') === 'median message');
      const legend = [...svg.querySelectorAll('.legend text')].find((t) => t.textContent === label) as SVGTextElement | undefined;
      const box = (e: SVGGraphicsElement | undefined) => {
        const b = e?.getBBox();
        return b ? { x: b.x, y: b.y, width: b.width, height: b.height } : null;
      };
      return {
        width: viewBox.width,
        model: box(model),
        median: box(median),
        dashed: model ? getComputedStyle(model).strokeDasharray : '',
        stroke: model ? getComputedStyle(model).stroke : '',
        legend: box(legend),
      };
    }, label);
    // Drawn: the model rises from 0 over a real stretch of the time axis, as the measured curve does.
    expect(chart.model, 'the model path').not.toBeNull();
    expect(chart.model!.width).toBeGreaterThan(100);
    expect(chart.model!.height).toBeGreaterThan(100);
    expect(chart.median!.width).toBeGreaterThan(100);
    expect(chart.dashed).toMatch(/^5(px)?,? 4(px)?$/);
    expect(chart.stroke).not.toBe('none');
    // The legend says the whole thing, inside the chart.
    expect(chart.legend, 'the legend entry').not.toBeNull();
    expect(chart.legend!.x).toBeGreaterThanOrEqual(0);
    expect(chart.legend!.x + chart.legend!.width).toBeLessThanOrEqual(chart.width);
    expect(await page.$$eval('table[data-table="gossip-model"] tbody tr', (rows) => rows.length)).toBe(5);
    expect(pageErrors).toEqual([]);
    await page.screenshot({ path: join(gossipFiles.dir, 'report.png'), fullPage: true });
    await page.close();
  });
});

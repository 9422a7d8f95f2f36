/**
 * The lab's answers to wrong input, and the regression gate. No peer starts here:
 * a bad scenario, flag or runtime is refused before anything runs (exit 64), and
 * `lab compare` gives 2 on a regression, 0 otherwise, 64 on a bad file.
 */
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../lab/report/types.js';
import { ROOT, runCli, tempDir, writeScenario } from './support/lab-cli.js';

describe('lab run: usage errors exit 64 before anything starts', () => {
  it('names the file and the field of a wrong scenario', async () => {
    await using dir = await tempDir('peerlab-bad-');
    const file = await writeScenario(dir.path, 'bad', 'name: bad\nsteps:\n  - start: { count: 2 }\n  - load: { rate: fast, duration: 1s }\n');
    const result = await runCli(['lab', 'run', file, '--out', dir.path]);
    expect(result.code).toBe(64);
    expect(result.stderr).toContain(file);
    expect(result.stderr).toContain('steps[1].load.rate');
  });

  it('says a missing file is missing', async () => {
    const result = await runCli(['lab', 'run', 'scenarios/does-not-exist.yaml']);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/scenarios\/does-not-exist\.yaml: cannot read the scenario file \(ENOENT\)/);
  });

  it('refuses a link bandwidth in bytes, naming the field and the units it takes', async () => {
    await using dir = await tempDir('peerlab-link-');
    const file = await writeScenario(dir.path, 'slow', 'name: slow\nsteps:\n  - start: { count: 2 }\n  - link: { peers: all, bandwidth: 1mbps }\n');
    const result = await runCli(['lab', 'run', file, '--out', dir.path]);
    expect(result.code).toBe(64);
    expect(result.stderr).toContain(`${file}: steps[1].link.bandwidth: must be a bandwidth in bits per second (512kbit, 10mbit, 1gbit`);
  });

  it('refuses unknown runtimes, settings and flags', async () => {
    const runtime = await runCli(['lab', 'run', 'scenarios/smoke.yaml', '--runtime', 'warp']);
    expect(runtime.code).toBe(64);
    expect(runtime.stderr).toContain('--runtime warp: unknown runtime; runtimes: process');
    const set = await runCli(['lab', 'run', 'scenarios/smoke.yaml', '--set', 'peers']);
    expect(set.code).toBe(64);
    expect(set.stderr).toContain('expected key=value');
    const unknown = await runCli(['lab', 'run', 'scenarios/smoke.yaml', '--set', 'colour=red']);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toContain('--set colour: unknown setting');
    const flag = await runCli(['lab', 'run', 'scenarios/smoke.yaml', '--frobnicate']);
    expect(flag.code).toBe(64);
  });
});

describe('lab compare', () => {
  const baseline = join(ROOT, 'reports/baselines/smoke.json');

  it('finds no regression between the baseline (schema 1, one run) and itself, and says one run cannot tell noise from change', async () => {
    const result = await runCli(['lab', 'compare', baseline, baseline]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('One run cannot tell noise from change');
    expect(result.stdout).toContain('no noise baseline');
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('no regression');
  });

  // p50, not p99: smoke's p99 of 200 messages is shown but no longer gates (too few samples).
  it('exits 2 when p50 latency tripled, and names it', async () => {
    await using dir = await tempDir('peerlab-compare-');
    const report = JSON.parse(await readFile(baseline, 'utf8')) as Report;
    report.metrics.latency.p50 = report.metrics.latency.p50 * 3 + 5;
    const doctored = join(dir.path, 'doctored.json');
    await writeFile(doctored, JSON.stringify(report));
    const text = await runCli(['lab', 'compare', baseline, doctored]);
    expect(text.code).toBe(2);
    expect(text.stdout).toMatch(/REGRESSION in .*latency\.p50/);
    const markdown = await runCli(['lab', 'compare', baseline, doctored, '--markdown', '--noise-band', '0.2']);
    expect(markdown.code).toBe(2);
    expect(markdown.stdout).toMatch(/^### 🔴 REGRESSION/);
    expect(markdown.stdout).toContain('noise band ±20 %');
  });

  it('exits 64 on a missing or invalid report', async () => {
    await using dir = await tempDir('peerlab-compare-bad-');
    const missing = await runCli(['lab', 'compare', baseline, join(dir.path, 'nope.json')]);
    expect(missing.code).toBe(64);
    expect(missing.stderr).toContain('cannot read the report (ENOENT)');
    const notJson = join(dir.path, 'x.json');
    await copyFile(join(ROOT, 'package.json'), notJson);
    const invalid = await runCli(['lab', 'compare', notJson, baseline]);
    expect(invalid.code).toBe(64);
    expect(invalid.stderr).toContain('not a peerlab report');
    const band = await runCli(['lab', 'compare', baseline, baseline, '--noise-band', 'lots']);
    expect(band.code).toBe(64);
    const alpha = await runCli(['lab', 'compare', baseline, baseline, '--alpha', '0.7']);
    expect(alpha.code).toBe(64);
    expect(alpha.stderr).toContain('--alpha must be a fraction such as 0.05, from 0.0001 to under 0.5; got "0.7"');
  });
});

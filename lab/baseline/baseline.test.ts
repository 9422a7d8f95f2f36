import { describe, expect, it } from 'vitest';
import { baselineOf, measureBaselineWindow, type BaselineWindow } from './baseline.js';
import { parseProcStat, readCpuTimes, stealPercent } from './cpu-steal.js';
import { measureGrpcEcho } from './grpc-echo.js';

describe('CPU steal', () => {
  it("reads the aggregate line of /proc/stat, leaving guest time out (it is already in user)", () => {
    const text = 'cpu  100 5 50 800 10 0 5 30 40 0\ncpu0 50 2 25 400 5 0 2 15 20 0\nintr 123\n';
    expect(parseProcStat(text)).toEqual({ steal: 30, total: 100 + 5 + 50 + 800 + 10 + 0 + 5 + 30 });
    expect(parseProcStat('intr 1\n')).toBeUndefined();
  });

  it('is the share of CPU time stolen between two readings', () => {
    expect(stealPercent({ steal: 30, total: 1_000 }, { steal: 80, total: 2_000 })).toBe(5);
    expect(stealPercent({ steal: 30, total: 1_000 }, { steal: 30, total: 1_000 })).toBe(0);
  });

  it('is unavailable, not an error, where there is no /proc/stat', async () => {
    expect(await readCpuTimes('/nonexistent/proc/stat')).toBeUndefined();
  });
});

describe('the grpc-js echo', () => {
  it('times round trips of a real loopback stream', async () => {
    const samples = await measureGrpcEcho({ roundTrips: 50, warmup: 5 });
    expect(samples).toHaveLength(50);
    expect(samples.every((us) => us > 0)).toBe(true);
  });
});

describe('a baseline window', () => {
  it('measures the echo, the load average and CPU steal', async () => {
    const w = await measureBaselineWindow({ windowMs: 300, echo: { roundTrips: 40, warmup: 5 } });
    expect(w.echoUs).toHaveLength(40);
    expect(w.loadAvg).toHaveLength(3);
    // Linux has /proc/stat; elsewhere the window says it could not measure steal.
    if (w.stealPercent === null) expect(w.notes).toContain('CPU steal is not available here (no /proc/stat): shown as 0');
    else expect(w.stealPercent).toBeGreaterThanOrEqual(0);
  });

  it('pools the round trips of every window into one baseline and keeps what could not be measured', () => {
    const before: BaselineWindow = { echoUs: [100, 110, 120], loadAvg: [1, 2, 3], stealPercent: 0.5, notes: [] };
    const after: BaselineWindow = { echoUs: [90, 500], loadAvg: [4, 5, 6], stealPercent: null, notes: ['CPU steal is not available here (no /proc/stat): shown as 0'] };
    expect(baselineOf(before, after)).toEqual({
      grpc_echo: { p50_us: 110, p99_us: 500, samples: 5 },
      load_avg: { before: [1, 2, 3], after: [4, 5, 6] },
      cpu_steal_percent: { before: 0.5, after: 0 },
      notes: ['CPU steal is not available here (no /proc/stat): shown as 0'],
    });
  });
});

/**
 * The shipped scenarios on `--runtime docker`, through the real CLI, as CI runs them:
 * discovery with 10 containers (memory per container in the report), partition (nothing
 * crosses the cut, everything delivered after the heal), lossy-lan (5 % loss, 20 ms ± 5 ms
 * on every link: delivered anyway, latency up by the delay, the mechanism named), and
 * Ctrl-C in the middle of a run. Afterwards no container or network of the run is left.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { LABEL_OWNER_PID } from '../lab/runtimes/docker/docker-client.js';
import type { HistoryEvent } from '../lab/metrics/events.js';
import { readRun, reportDirs, runCli, startCli, tempDir } from './support/lab-cli.js';
import { leftovers, PREPARE_TIMEOUT_MS, requireDocker } from './support/docker.js';
import { waitFor } from './support/wait-for.js';

beforeAll(requireDocker, PREPARE_TIMEOUT_MS);

const TIMEOUT = 150_000;

/** Runs a scenario on docker into `out`; returns the written run and the CLI's pid. */
async function runOnDocker(out: string, scenario: string, ...sets: string[]) {
  const cli = startCli(['lab', 'run', `scenarios/${scenario}.yaml`, '--runtime', 'docker', '--out', out, ...sets.flatMap((s) => ['--set', s])]);
  const pid = cli.child.pid!;
  const result = await cli.result;
  const dirs = await reportDirs(out, scenario);
  expect(dirs.length, result.stderr).toBe(1);
  return { result, pid, run: await readRun(dirs[0]!) };
}

const faults = (history: HistoryEvent[]) => history.filter((e): e is Extract<HistoryEvent, { type: 'fault' }> => e.type === 'fault');

describe('scenarios on --runtime docker', () => {
  it('discovery: 10 containers converge, memory per container is reported, nothing is left behind', async () => {
    await using out = await tempDir('peerlab-docker-');
    const { result, pid, run } = await runOnDocker(out.path, 'discovery', 'peers=10');
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(run.report.runtime).toBe('docker');
    expect(run.report.metrics.discovery.pairs_discovered).toBe(90);
    const memory = run.report.metrics.memory.per_peer;
    expect(memory.map((p) => p.peer).sort()).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9'].sort());
    for (const peer of memory) expect(peer.series.length).toBeGreaterThan(0);
    expect(run.html).toContain('Resident memory (RSS) per peer');
    expect(await leftovers(`${LABEL_OWNER_PID}=${pid}`)).toEqual({ containers: [], networks: [] });
  }, TIMEOUT);

  it('partition: nothing crosses during the cut, every message is delivered after the heal', async () => {
    await using out = await tempDir('peerlab-docker-');
    const { result, pid, run } = await runOnDocker(out.path, 'partition');
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(run.report.metrics.delivery).toMatchObject({ ratio: 1, lost: 0, duplicates: 0 });
    const [cut, heal] = faults(run.history).filter((f) => f.fault === 'partition' || f.fault === 'heal');
    expect(cut).toMatchObject({ fault: 'partition', mechanism: expect.stringMatching(/iptables DROP/) });
    expect(heal?.fault).toBe('heal');
    // From the cut in force until heal began, no delivery between the halves.
    const healBegan = run.history.find((e) => e.type === 'step' && e.name === 'heal' && e.phase === 'begin')!.t;
    const half = (p: string) => ['p0', 'p1', 'p2'].includes(p);
    const crossing = run.history.filter((e) => e.type === 'deliver' && e.t >= cut!.t && e.t <= healBegan && half(e.from) !== half(e.to));
    expect(crossing).toEqual([]);
    // ...yet messages were sent across during the cut, and arrived after the heal.
    const sentAcross = run.history.filter((e) => e.type === 'send' && e.t >= cut!.t && e.t <= healBegan && half(e.from) !== half(e.to));
    expect(sentAcross.length).toBeGreaterThan(0);
    // Both faults are on the report's time axis, with their mechanism.
    expect(run.report.metrics.timeline.faults.map((f) => f.fault)).toEqual(expect.arrayContaining(['partition', 'heal']));
    expect(await leftovers(`${LABEL_OWNER_PID}=${pid}`)).toEqual({ containers: [], networks: [] });
  }, TIMEOUT);

  it('lossy-lan: every message delivered over 5 % loss and 20 ms ± 5 ms, latency up by the delay, mechanism named', async () => {
    await using out = await tempDir('peerlab-docker-');
    const { result, pid, run } = await runOnDocker(out.path, 'lossy-lan', 'duration=6s');
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(run.report.metrics.delivery.ratio).toBe(1);
    const links = faults(run.history).filter((f) => f.fault === 'link');
    expect(links.length).toBe(2);
    for (const link of links) expect(link.mechanism).toMatch(/netem delay 20ms ±5ms loss 5%|nfq-delay 20ms ±5ms .*statistic DROP 5%/);
    expect(run.report.metrics.timeline.faults.filter((f) => f.fault === 'link').every((f) => f.mechanism)).toBe(true);
    const step = (label: string) => run.report.metrics.per_step.find((s) => s.label === label)!;
    // Every shaped message waits at least delay − jitter (15 ms) on its way.
    expect(step('shaped').latency.p50).toBeGreaterThanOrEqual(15);
    expect(step('shaped').latency.p50).toBeGreaterThan(step('clean').latency.p50);
    expect(await leftovers(`${LABEL_OWNER_PID}=${pid}`)).toEqual({ containers: [], networks: [] });
  }, TIMEOUT);

  it('Ctrl-C in the middle of a run removes its containers and networks', async () => {
    await using out = await tempDir('peerlab-docker-');
    const cli = startCli(['lab', 'run', 'scenarios/discovery.yaml', '--runtime', 'docker', '--out', out.path, '--set', 'peers=3', '--set', 'settle=60s']);
    const pid = cli.child.pid!;
    await waitFor(() => /wait_for discovered: done/.test(cli.output()), 60_000, 'the run to get to its settle step', () => cli.output());
    expect((await leftovers(`${LABEL_OWNER_PID}=${pid}`)).containers.length).toBe(3);
    cli.child.kill('SIGINT');
    const result = await cli.result;
    expect(result.code).toBe(130);
    expect(await leftovers(`${LABEL_OWNER_PID}=${pid}`)).toEqual({ containers: [], networks: [] });
  }, TIMEOUT);
});

import { describe, expect, it } from 'vitest';
import { readRun, reportDirs, runCli, tempDir } from './support/lab-cli.js';
import { etcdTestsRun } from './support/registry.js';

describe.runIf(etcdTestsRun())('the lab runs a real etcd for registry: etcd scenarios', () => {
  it('registry-outage: etcd stopped and started under load; peers expire each other, all come back, nothing is lost', async () => {
    await using dir = await tempDir('peerlab-registry-lab-');
    const result = await runCli(['lab', 'run', 'scenarios/registry-outage.yaml', '--out', dir.path, '--set', 'peers=3', '--set', 'outage=4s', '--set', 'load=12s']);
    expect(result.code, result.stderr + result.stdout).toBe(0);
    const { history, report } = await readRun((await reportDirs(dir.path, 'registry-outage'))[0]!);
    const faults = history.filter((e) => e.type === 'fault' && e.fault === 'registry');
    expect(faults.map((e) => (e.type === 'fault' ? e.mechanism : ''))).toEqual(['etcd SIGTERM', 'etcd started again (same port and data dir)']);
    const [down, back] = faults.map((e) => e.t) as [number, number];
    // Without etcd nobody can announce: every peer expired the other two.
    const expired = new Set(history.filter((e) => e.type === 'peer_down' && e.t > down && e.t < back + 3000).map((e) => (e.type === 'peer_down' ? `${e.peer}>${e.other}` : '')));
    expect(expired.size).toBe(6);
    // Once it is back, every peer is found again through it.
    const found = new Set(history.filter((e) => e.type === 'peer_up' && e.t > back).map((e) => (e.type === 'peer_up' ? `${e.peer}>${e.other}` : '')));
    expect(found.size).toBe(6);
    expect(report.metrics.delivery).toMatchObject({ ratio: 1, lost: 0, duplicates: 0 });
  });
});

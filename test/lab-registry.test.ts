import { describe, expect, it } from 'vitest';
import { readRun, reportDirs, runCli, tempDir } from './support/lab-cli.js';
import { etcdTestsRun } from './support/registry.js';

describe.runIf(etcdTestsRun())('the lab runs a real etcd for registry: etcd scenarios', () => {
  it('registry-outage: etcd stopped and started under load; peers keep each other, nothing is lost', async () => {
    await using dir = await tempDir('peerlab-registry-lab-');
    const result = await runCli(['lab', 'run', 'scenarios/registry-outage.yaml', '--out', dir.path, '--set', 'peers=3', '--set', 'outage=4s', '--set', 'load=12s']);
    expect(result.code, result.stderr + result.stdout).toBe(0);
    const { history, report } = await readRun((await reportDirs(dir.path, 'registry-outage'))[0]!);
    const faults = history.filter((e) => e.type === 'fault' && e.fault === 'registry');
    expect(faults.map((e) => (e.type === 'fault' ? e.mechanism : ''))).toEqual(['etcd SIGTERM', 'etcd started again (same port and data dir)']);
    const [down, back] = faults.map((e) => e.t) as [number, number];
    expect(back - down).toBeGreaterThan(3000); // longer than expire_after: without the hold every peer would expire the other two
    // A registry that does not answer says nothing about its peers: nobody forgets anybody.
    const expired = history.filter((e) => e.type === 'peer_down' && e.t > down && e.t < back + 3000);
    expect(expired).toEqual([]);
    expect(report.metrics.delivery).toMatchObject({ ratio: 1, lost: 0, duplicates: 0 });
    // Multicast is off: what each peer heard of the others came through etcd, and the fleet figure counts it.
    expect(report.metrics.fleet?.announcements_per_s).toBeGreaterThan(0);
  });
});

/**
 * scenarios/scale.yaml end to end, small: peers started in `peerlab host` processes
 * (4 per process), discovered, idle, a gossip broadcast under churn (5 % of the peers
 * crashed inside their host and restarted there), every group message shown by every
 * peer. The report's Fleet section gives each peer's idle CPU, memory, sessions and
 * announcements heard. The 200-peer run is measured by hand (see the lab README).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { readRun, reportDirs, ROOT, runCli, tempDir } from './support/lab-cli.js';

const PEERS = 12;
const PER_PROCESS = 4;
/** About 40 s of scenario (3 s idle, 8 s load under churn) plus starts, on a shared 2-core machine. */
const RUN_TIMEOUT_MS = 240_000;

describe('lab run scenarios/scale.yaml', () => {
  it('runs a hosted fleet through discovery, idle, gossip under churn, and reports each peer\'s cost', async () => {
    await using dir = await tempDir('peerlab-scale-');
    const result = await runCli([
      'lab', 'run', 'scenarios/scale.yaml', '--out', dir.path,
      '--set', `peers=${PEERS}`, '--set', `runtime.peers_per_process=${PER_PROCESS}`,
      '--set', 'idle=3s', '--set', 'load=8s',
    ]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/scale: PASS/);
    const run = await readRun((await reportDirs(dir.path, 'scale'))[0]!);
    const m = run.report.metrics;
    expect(m.gossip!.delivery_ratio).toBe(1);
    expect(m.discovery.converged_ms).not.toBeNull();

    const fleet = m.fleet!;
    expect(fleet.peers_per_process).toBe(PER_PROCESS);
    expect(fleet.per_peer.map((p) => p.peer)).toHaveLength(PEERS);
    for (const peer of fleet.per_peer) {
      expect(peer.idle_cpu_percent, peer.peer).not.toBeNull();
      expect(peer.mean_rss_mb, peer.peer).toBeGreaterThan(0);
      expect(peer.announcements_per_s, peer.peer).toBeGreaterThan(0);
    }
    // Gossip opened sessions to neighbours: some at least, and never a full mesh's worth for all.
    expect(fleet.sessions_per_peer).toBeGreaterThan(0);
    expect(run.markdown).toContain('### Fleet');

    // 5 % of 12 is one peer: crashed inside its host (no process exit), then back with its identity.
    const kill = run.history.find((e) => e.type === 'fault' && e.fault === 'kill');
    expect(kill).toMatchObject({ mechanism: expect.stringContaining('Host.StopPeer') });
    const killed = (kill as { peers: string[] }).peers;
    expect(killed).toHaveLength(1);
    expect(run.history.some((e) => e.type === 'lifecycle' && e.peer === killed[0] && e.event === 'exited' && (e.detail as { signal?: string }).signal === 'hosted-crash')).toBe(true);
    expect(run.history.filter((e) => e.type === 'lifecycle' && e.peer === killed[0] && e.event === 'ready')).toHaveLength(2);

    const schema = JSON.parse(await readFile(join(ROOT, 'lab/report/report.schema.json'), 'utf8')) as object;
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    const validate = ajv.compile(schema);
    expect(validate(run.report), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
  }, RUN_TIMEOUT_MS);
});

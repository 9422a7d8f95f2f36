/**
 * Removing what a docker run created: its containers and networks, found by the
 * `peerlab.run` label, so nothing is left behind even when the run's own bookkeeping
 * was lost. Plus a sweep of what earlier lab processes left when they died without
 * cleaning up (their owner pid is gone), run when a docker runtime starts.
 */
import { execFileSync } from 'node:child_process';
import { docker, LABEL_OWNER_PID, LABEL_RUN } from './docker-client.js';

/** Force-removes every container, then every network, labelled with this run. */
export async function removeRun(runId: string): Promise<void> {
  const filters = JSON.stringify({ label: [`${LABEL_RUN}=${runId}`] });
  const containers = await docker().listContainers({ all: true, filters });
  await Promise.all(containers.map((c) => docker().getContainer(c.Id).remove({ force: true, v: true }).catch(ignoreGone)));
  const networks = await docker().listNetworks({ filters });
  await Promise.all(networks.map((n) => docker().getNetwork(n.Id).remove().catch(ignoreGone)));
}

/** Synchronous best effort, for process exit handlers: the docker CLI, by label. */
export function removeRunNow(runId: string, containerIds: string[]): void {
  const quiet = { stdio: 'ignore' as const, timeout: 20_000 };
  try {
    if (containerIds.length > 0) execFileSync('docker', ['rm', '-f', '-v', ...containerIds], quiet);
  } catch { /* gone already, or no CLI */ }
  removeLabelledNow(`${LABEL_RUN}=${runId}`, ['network', 'ls', '-q'], ['network', 'rm']);
}

/**
 * Synchronous best effort (exit handlers): removes what `docker LIST --filter label=LABEL`
 * lists, with `docker REMOVE IDS…`; the CLI's complaints (gone already) stay quiet.
 */
export function removeLabelledNow(label: string, list: string[], remove: string[], engine?: string): void {
  const host = engine ? ['-H', engine] : [];
  try {
    const ids = execFileSync('docker', [...host, ...list, '--filter', `label=${label}`], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] }).split(/\s+/).filter(Boolean);
    if (ids.length > 0) execFileSync('docker', [...host, ...remove, ...ids], { stdio: 'ignore', timeout: 20_000 });
  } catch { /* gone already, or no CLI */ }
}

/** Removes runs whose lab process is gone (killed with SIGKILL, machine crash). */
export async function sweepOrphans(): Promise<string[]> {
  const filters = JSON.stringify({ label: [LABEL_OWNER_PID] });
  const runs = new Map<string, number>();
  for (const c of await docker().listContainers({ all: true, filters })) runs.set(c.Labels[LABEL_RUN] ?? '', Number(c.Labels[LABEL_OWNER_PID]));
  for (const n of await docker().listNetworks({ filters })) runs.set(n.Labels?.[LABEL_RUN] ?? '', Number(n.Labels?.[LABEL_OWNER_PID]));
  const orphans = [...runs].filter(([run, pid]) => run !== '' && !isAlive(pid)).map(([run]) => run);
  for (const run of orphans) await removeRun(run);
  return orphans;
}

/** Whether the process `pid` (a lab process's owner-pid label) still runs. */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** 404 (gone) and 409 (being removed already) are fine when removing. */
export function ignoreGone(err: { statusCode?: number }): void {
  if (err.statusCode !== 404 && err.statusCode !== 409) throw err;
}

/**
 * This machine's etcd binary (Debian's etcd-server): which one, and whether it runs.
 * Kept apart from etcd-server.ts so that asking costs no import of the etcd client
 * (~0.25 s of CPU, which every lab run would pay: the swarm runtime asks at start-up).
 */
import { spawnSync } from 'node:child_process';

/** The etcd binary: $ETCD_BIN, else `etcd` on PATH. */
export function etcdBinary(): string {
  return process.env.ETCD_BIN ?? 'etcd';
}

/** True when the etcd binary runs. */
export function etcdAvailable(): boolean {
  return spawnSync(etcdBinary(), ['--version'], { stdio: 'ignore' }).status === 0;
}

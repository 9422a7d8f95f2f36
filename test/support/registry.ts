/**
 * For the registry tests: a real etcd must run, or the tests fail (with CI=true they
 * never skip), and peers started with multicast off and a registry.
 */
import { etcdAvailable } from '../../lab/registry/etcd-binary.js';
import { EtcdServer } from '../../lab/registry/etcd-server.js';

/** True when the etcd tests must run: etcd is installed, or CI=true (so a missing etcd fails). */
export function etcdTestsRun(): boolean {
  return process.env.CI === 'true' || etcdAvailable();
}

/** Starts a real etcd for a test file; throws (never skips) when it cannot. */
export async function requireEtcd(): Promise<EtcdServer> {
  return EtcdServer.start();
}

/** Peer flags: no multicast, fast announcements, this registry. */
export function registryArgs(url: string, expireAfterMs = 2000): string[] {
  return ['--no-multicast', '--registry', url, '--announce-interval', String(expireAfterMs / 4), '--expire-after', String(expireAfterMs)];
}

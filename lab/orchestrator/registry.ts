/**
 * The registry a `registry: etcd` scenario runs on: a real etcd on this machine's
 * loopback (lab/registry/etcd-server.ts), started before the first peer and removed
 * after the last; its peers get `--no-multicast --registry etcd://…` so they can find
 * each other only through it. `registry:` steps stop it and start it again (same port
 * and data, as an etcd member restarting would).
 */
import type { EtcdServer } from '../registry/etcd-server.js';
import type { Scenario } from '../scenario/types.js';

export class LabRegistry {
  private constructor(private readonly etcd: EtcdServer) {}

  /** The scenario's registry, started; undefined when it has none. */
  static async start(scenario: Scenario): Promise<LabRegistry | undefined> {
    if (scenario.registry !== 'etcd') return undefined;
    // Loaded only here: the etcd client costs every other run ~0.4 s of CPU to import.
    const { EtcdServer } = await import('../registry/etcd-server.js');
    return new LabRegistry(await EtcdServer.start());
  }

  /** The arguments every peer of the run gets. */
  get peerArgs(): string[] {
    return ['--no-multicast', '--registry', `etcd://${this.etcd.address}/peerlab`];
  }

  /** How a registry step is done, for the fault event and the report. */
  mechanism(action: 'stop' | 'start'): string {
    return action === 'stop' ? 'etcd SIGTERM' : 'etcd started again (same port and data dir)';
  }

  async stop(): Promise<void> {
    await this.etcd.pause();
  }

  async start(): Promise<void> {
    await this.etcd.resume();
  }

  async close(): Promise<void> {
    await this.etcd.close();
  }
}

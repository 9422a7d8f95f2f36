/**
 * The registry a `registry: etcd` scenario runs on, started before the first peer and
 * removed after the last; its peers get `--no-multicast --registry etcd://…` so they can
 * find each other only through it. `registry:` steps stop it and start it again (same
 * data, as an etcd member restarting would). Where it runs is the runtime's to say
 * (Runtime.startRegistry: swarm runs an etcd task beside its peers); otherwise it is a
 * real etcd on this machine's loopback (lab/registry/etcd-server.ts), which only peers on
 * the host reach.
 */
import type { Runtime, RuntimeRegistry } from '../runtimes/runtime.js';
import type { Scenario } from '../scenario/types.js';

export class LabRegistry {
  private constructor(private readonly registry: RuntimeRegistry) {}

  /** The scenario's registry, started; undefined when it has none. */
  static async start(scenario: Scenario, runtime: Runtime): Promise<LabRegistry | undefined> {
    if (scenario.registry !== 'etcd') return undefined;
    if (runtime.startRegistry) return new LabRegistry(await runtime.startRegistry('etcd'));
    // Loaded only here: the etcd client costs every other run ~0.4 s of CPU to import.
    const { EtcdServer } = await import('../registry/etcd-server.js');
    const etcd = await EtcdServer.start();
    return new LabRegistry({
      peerArgs: ['--no-multicast', '--registry', `etcd://${etcd.address}/peerlab`],
      mechanism: (action) => (action === 'stop' ? 'etcd SIGTERM' : 'etcd started again (same port and data dir)'),
      stop: () => etcd.pause(),
      start: () => etcd.resume(),
      close: () => etcd.close(),
    });
  }

  /** The arguments every peer of the run gets. */
  get peerArgs(): string[] {
    return this.registry.peerArgs;
  }

  /** How a registry step is done, for the fault event and the report. */
  mechanism(action: 'stop' | 'start'): string {
    return this.registry.mechanism(action);
  }

  stop(): Promise<void> {
    return this.registry.stop();
  }

  start(): Promise<void> {
    return this.registry.start();
  }

  close(): Promise<void> {
    return this.registry.close();
  }
}

import type { Runtime } from '../runtimes/runtime.js';
import type { Scenario } from '../scenario/types.js';
import type { Fleet } from './fleet.js';
import type { FleetPlan } from './fleet-plan.js';
import type { GossipLedger } from './gossip-ledger.js';
import type { DeliveryLedger } from './ledger.js';
import type { LoadDriver } from './load-driver.js';
import type { Progress } from './progress.js';
import type { LabRegistry } from './registry.js';
import type { Recorder } from './recorder.js';
import type { StepSchedule } from './schedule.js';
import type { NetworkView } from './view.js';

/** Everything a step needs while the run goes on. */
export interface RunContext {
  scenario: Scenario;
  runtime: Runtime;
  recorder: Recorder;
  ledger: DeliveryLedger;
  /** Group messages written and who has shown them. */
  gossip: GossipLedger;
  view: NetworkView;
  fleet: Fleet;
  /** Load steps whose arrivals are still being scheduled (background ones included). */
  loads: Set<LoadDriver>;
  /** Steps still going on in the background (their `end` events); awaited before the run ends. */
  backgrounds: Array<Promise<void>>;
  /** When each step is due (steps keep to it as load arrivals do). */
  schedule: StepSchedule;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
  progress: Progress;
  /** Start peers with --connect-on-discovery (the scenario waits for sessions). */
  connectOnDiscovery: boolean;
  /** What steps set up besides peers (a login step's spawner), closed after the peers are down. */
  closers: Array<() => Promise<void>>;
  /** Start peers on a path the runtime controls (the scenario partitions, shapes or resets links). */
  linkFaults: boolean;
  /** Ready timeout, slow threshold and peers per process for this fleet. */
  plan: FleetPlan;
  /** The scenario's registry (`registry: etcd`), once started; its peers discover through it. */
  registry?: LabRegistry;
}

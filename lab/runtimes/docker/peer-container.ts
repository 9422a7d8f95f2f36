/**
 * The testcontainers definition of one peer container: `peerlab peer` with a fixed
 * address on the run's peer network (its multicast and gRPC bound there) and on its
 * control network (the control API bound there), docker-init as PID 1 so SIGTERM
 * reaches node, labels for cleanup, and a wait for the peer's JSON ready line.
 */
import './testcontainers-env.js';
import { GenericContainer, Wait } from 'testcontainers';
import { docker, LABEL_OWNER_PID, LABEL_ROLE, LABEL_RUN } from './docker-client.js';
import type { RunNetwork } from './run-networks.js';

/** Ports inside every container (each has its own addresses, so fixed ports are fine). */
export const PEER_GRPC_PORT = 7000;
export const PEER_CONTROL_PORT = 7001;
/** The peer's data dir inside its container (kept while the container is). */
export const PEER_DATA_DIR = '/data/peer';

export interface PeerContainerSpec {
  image: string;
  runId: string;
  name: string;
  peerNet: RunNetwork;
  peerIp: string;
  controlNet: RunNetwork;
  controlIp: string;
  controlToken: string;
  /** `peerlab peer` flags after the ones this file sets. */
  args: string[];
  startTimeoutMs: number;
  /** Called once the container runs, before the peer is ready (network faults go on here). */
  onRunning: (containerId: string) => Promise<void>;
}

/** A peer container before it starts. */
export class PeerContainer extends GenericContainer {
  constructor(private readonly spec: PeerContainerSpec) {
    super(spec.image);
    this.withName(`peerlab-${spec.runId}-${spec.name}`)
      .withLabels({ [LABEL_RUN]: spec.runId, [LABEL_ROLE]: 'peer', [LABEL_OWNER_PID]: String(process.pid), 'peerlab.peer': spec.name })
      .withEnvironment({ PEERLAB_CONTROL_TOKEN: spec.controlToken })
      .withNetworkMode(spec.peerNet.name)
      .withCommand([
        'peer',
        '--name', spec.name,
        '--data', PEER_DATA_DIR,
        '--host', spec.peerIp,
        '--port', String(PEER_GRPC_PORT),
        '--interface', spec.peerIp,
        '--control-host', spec.controlIp,
        '--control-port', String(PEER_CONTROL_PORT),
        '--json',
        '--no-stdin',
        ...spec.args,
      ])
      .withWaitStrategy(Wait.forLogMessage(/"type":"ready"/))
      .withStartupTimeout(spec.startTimeoutMs)
      .withAutoRemove(false);
    // node as PID 1 would ignore SIGTERM: docker-init forwards it (and reaps).
    this.hostConfig.Init = true;
    // Bounded logs: a peer prints every event with --json.
    this.hostConfig.LogConfig = { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '1' } };
    this.createOpts.NetworkingConfig = { EndpointsConfig: { [spec.peerNet.name]: { IPAMConfig: { IPv4Address: spec.peerIp } } } };
  }

  /** Docker's API (20.10) attaches one network at create: the control network joins here, before start. */
  protected override async containerCreated(containerId: string): Promise<void> {
    await docker().getNetwork(this.spec.controlNet.id).connect({ Container: containerId, EndpointConfig: { IPAMConfig: { IPv4Address: this.spec.controlIp } } });
  }

  protected override async containerStarting(): Promise<void> {
    // testcontainers passes no id here; the name is unique to the run.
    const info = await docker().getContainer(`peerlab-${this.spec.runId}-${this.spec.name}`).inspect();
    await this.spec.onRunning(info.Id);
  }
}

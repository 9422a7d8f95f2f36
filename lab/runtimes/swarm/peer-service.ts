/**
 * The swarm service of one lab peer: `peerlab-RUN-NAME`, the peer image, on the run's
 * overlay network, its data dir on a named volume (`peerlab-RUN-NAME`) so a new task of
 * the service is the same peer (identity, history, outbox). Addresses are the task's
 * own: a new task may get a new overlay address, so the peer binds 0.0.0.0 and learns
 * its address from its own announcement; the control API binds 0.0.0.0 too, and the lab
 * reaches it on a path no fault touches (task-access.ts: the task's docker_gwbridge
 * address, or a port its node publishes).
 */
import type Docker from 'dockerode';
import { LABEL_OWNER_PID, LABEL_ROLE, LABEL_RUN } from '../docker/docker-client.js';
import { PEER_CONTROL_PORT, PEER_DATA_DIR, PEER_GRPC_PORT } from '../docker/peer-container.js';
import { LABEL_SERVICE } from './swarm-cleanup.js';
import { serviceSpec } from './service-spec.js';

export interface PeerServiceInput {
  runId: string;
  name: string;
  image: string;
  /** The run's overlay network. */
  network: string;
  controlToken: string;
  /** `peerlab peer` flags after the ones this file sets. */
  args: string[];
  /** Ports its node publishes (task-access.ts: the control port on the published path). */
  hostPorts?: number[];
}

/** The service (and volume) name of a lab peer. */
export function peerServiceName(runId: string, name: string): string {
  return `peerlab-${runId}-${name}`;
}

/** Labels for everything of `runId` (services, their containers, volumes). */
export function runLabels(runId: string, role: string, service: string): Record<string, string> {
  return { [LABEL_RUN]: runId, [LABEL_ROLE]: role, [LABEL_OWNER_PID]: String(process.pid), [LABEL_SERVICE]: service };
}

/** The create-service body of a lab peer. */
export function peerService(input: PeerServiceInput): Docker.CreateServiceOptions {
  const name = peerServiceName(input.runId, input.name);
  const labels = { ...runLabels(input.runId, 'peer', name), 'peerlab.peer': input.name };
  return serviceSpec({
    name,
    image: input.image,
    labels,
    env: [`PEERLAB_CONTROL_TOKEN=${input.controlToken}`],
    networks: [input.network],
    mounts: [{ Type: 'volume', Source: name, Target: PEER_DATA_DIR, VolumeOptions: { Labels: labels } }],
    logMaxSize: '10m',
    ...(input.hostPorts ? { hostPorts: input.hostPorts } : {}),
    args: [
      'peer',
      '--name', input.name,
      '--data', PEER_DATA_DIR,
      '--host', '0.0.0.0',
      '--port', String(PEER_GRPC_PORT),
      '--control-host', '0.0.0.0',
      '--control-port', String(PEER_CONTROL_PORT),
      '--json',
      '--no-stdin',
      ...input.args,
    ],
  });
}

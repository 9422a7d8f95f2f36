/**
 * The shape of every service peerlab puts on a swarm (the swarm spawner's peers, the swarm
 * runtime's peers and its etcd): one replica, endpoint mode dnsrr (this machine has no
 * IPVS for a VIP; `tasks.NAME` and NAME resolve to the task's own address), docker-init
 * as PID 1 so SIGTERM reaches node, a short stop grace period (removal in ~4 s instead of
 * 14 s), bounded logs, and restart condition `none`: a task that dies stays down until
 * its owner starts a new one, as a killed container or process would.
 */
import type Docker from 'dockerode';

/** ns: SIGKILL after this long (a peer stops in well under a second). */
export const STOP_GRACE_NS = 5_000_000_000;

export interface ServiceInput {
  name: string;
  image: string;
  args: string[];
  env: string[];
  /** On the service and on its tasks' containers (cleanup finds both by label). */
  labels: Record<string, string>;
  /** Swarm networks (names or ids) the tasks join; none: the engine's default. */
  networks?: string[];
  mounts?: Array<{ Type: 'volume'; Source: string; Target: string; VolumeOptions?: { Labels?: Record<string, string> } }>;
  /** Log size cap per task (default 1m; a lab peer with --json prints every event). */
  logMaxSize?: string;
  /** Container ports published on the node the task runs on (mode host, a free port the engine picks; dnsrr allows no ingress). */
  hostPorts?: number[];
}

/** The create-service body for `input`, at one replica. */
export function serviceSpec(input: ServiceInput): Docker.CreateServiceOptions {
  return {
    Name: input.name,
    Labels: input.labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: input.image,
        Args: input.args,
        Env: input.env,
        Labels: input.labels,
        Init: true,
        StopGracePeriod: STOP_GRACE_NS,
        ...(input.mounts ? { Mounts: input.mounts } : {}),
      },
      RestartPolicy: { Condition: 'none' },
      LogDriver: { Name: 'json-file', Options: { 'max-size': input.logMaxSize ?? '1m', 'max-file': '1' } },
      ...(input.networks ? { Networks: input.networks.map((Target) => ({ Target })) } : {}),
    },
    Mode: { Replicated: { Replicas: 1 } },
    EndpointSpec: {
      Mode: 'dnsrr',
      ...(input.hostPorts ? { Ports: input.hostPorts.map((TargetPort) => ({ Protocol: 'tcp', TargetPort, PublishMode: 'host' })) } : {}),
    },
  } as Docker.CreateServiceOptions;
}

/**
 * How the lab reaches a running task: its container, through the engine of the node it
 * runs on (swarm-engines.ts), and a port of it (a peer's control API, etcd's client port)
 * on a path that faults never touch. Two paths:
 * - `gateway`: the task's interface on the node's docker_gwbridge, a plain local bridge
 *   the host can connect to. No port is published, but only tasks on the lab's own node
 *   are reachable: the default on a swarm of one node.
 * - `published`: the service publishes the port on its task's node (mode host, a free
 *   port the engine picks) and the lab connects to the node's advertise address. Any node,
 *   and a lab on no node at all; the port listens on every interface of the node, behind
 *   the run's bearer token. The default on a swarm of more than one node.
 */
import type Docker from 'dockerode';
import { LabError } from '../errors.js';
import { gatewayAddress } from './gateway-address.js';
import type { NodeEngine, SwarmEngines } from './swarm-engines.js';
import type { RunningTask } from './task-waits.js';

export type ControlPath = 'gateway' | 'published';

/** `--swarm-control`'s values: `auto` picks by the swarm's size. */
export const CONTROL_PATHS = ['auto', 'gateway', 'published'] as const;
export type ControlChoice = (typeof CONTROL_PATHS)[number];

/** A running task as the lab drives it. */
export interface ReachedTask {
  engine: NodeEngine;
  container: Docker.Container;
  /** HOST:PORT of the port asked for. */
  address: string;
}

export class TaskAccess {
  readonly path: ControlPath;

  constructor(
    readonly engines: SwarmEngines,
    choice: ControlChoice = 'auto',
  ) {
    this.path = choice === 'auto' ? (engines.size > 1 ? 'published' : 'gateway') : choice;
  }

  /** The ports a service must publish for the lab to reach `target` on its tasks (none on the gateway path). */
  hostPorts(target: number): number[] | undefined {
    return this.path === 'published' ? [target] : undefined;
  }

  /** The task's container (on its node's engine) and where the lab reaches its port `target`. */
  async reach(task: RunningTask, target: number, what: string): Promise<ReachedTask> {
    if (this.path === 'gateway' && task.nodeId !== this.engines.localNodeId) {
      const node = await this.engines.node(task.nodeId);
      throw new LabError(`${what} runs on node ${node.hostname}, and the gateway control path reaches the lab's own node only: run with --swarm-control published`);
    }
    const engine = await this.engines.engineOf(task.nodeId, what);
    const container = engine.docker.getContainer(task.containerId);
    if (this.path === 'gateway') return { engine, container, address: `${await gatewayAddress(task.containerId)}:${target}` };
    // Each port is listed twice (IPv4 and IPv6), with the same number.
    const port = task.ports?.find((p) => p.TargetPort === target && p.PublishMode === 'host')?.PublishedPort;
    if (port === undefined) throw new LabError(`${what}: its task ${task.taskId.slice(0, 12)} publishes no host port for ${target} (was its service made before --swarm-control published?)`);
    const { addr } = await this.engines.node(task.nodeId);
    return { engine, container, address: addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}` };
  }
}

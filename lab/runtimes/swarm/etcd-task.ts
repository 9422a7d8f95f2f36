/**
 * The registry of a swarm run (`registry: etcd`): a real etcd as a service beside the
 * peers, `peerlab-RUN-etcd` on the run's overlay network, its data on a volume of the
 * run. Peers reach it by the service's name (dnsrr: the name resolves to the task's
 * address, also after a new task), so this works on any node of a multi-node swarm,
 * where multicast does not. Stopping it stops its task; starting it asks for a new task
 * of the service on the node of its data volume. The lab reaches its client port on the
 * run's control path (task-access.ts) and its container through its node's engine.
 */
import { randomBytes } from 'node:crypto';
import { untilEtcdAnswers } from '../../registry/etcd-ready.js';
import type Docker from 'dockerode';
import { docker } from '../docker/docker-client.js';
import { LabError } from '../errors.js';
import type { RuntimeRegistry } from '../runtime.js';
import { runLabels } from './peer-service.js';
import { serviceSpec } from './service-spec.js';
import type { TaskAccess } from './task-access.js';
import { forceNewTask, tasksOf } from './service-task.js';
import { newRunningTask } from './task-waits.js';

const CLIENT_PORT = 2379;
const READY_TIMEOUT_MS = 60_000;

export class EtcdTask implements RuntimeRegistry {
  private container: Docker.Container | undefined;
  /** The node its data volume is on (its first task's). */
  private nodeId: string | undefined;

  private constructor(
    private readonly serviceId: string,
    private readonly serviceName: string,
    private readonly access: TaskAccess,
  ) {}

  /** Creates the etcd service on `network` and waits until it answers. */
  static async start(runId: string, image: string, network: string, access: TaskAccess): Promise<EtcdTask> {
    const name = `peerlab-${runId}-etcd`;
    const labels = runLabels(runId, 'registry', name);
    // A fresh cluster token per run: a stale data dir from another run can never join.
    const peerUrl = 'http://127.0.0.1:2380';
    const created = await docker().createService(serviceSpec({
      name,
      image,
      labels,
      env: [],
      networks: [network],
      mounts: [{ Type: 'volume', Source: name, Target: '/data/etcd', VolumeOptions: { Labels: labels } }],
      hostPorts: access.hostPorts(CLIENT_PORT),
      args: [
        '--name', 'n1', '--data-dir', '/data/etcd',
        '--listen-client-urls', `http://0.0.0.0:${CLIENT_PORT}`, '--advertise-client-urls', `http://${name}:${CLIENT_PORT}`,
        '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl,
        '--initial-cluster', `n1=${peerUrl}`, '--initial-cluster-token', randomBytes(6).toString('hex'),
        '--log-level', 'error',
      ],
    }));
    const task = new EtcdTask(created.id, name, access);
    await task.awaitRunning(new Set());
    return task;
  }

  get peerArgs(): string[] {
    return ['--no-multicast', '--registry', `etcd://${this.serviceName}:${CLIENT_PORT}/peerlab`];
  }

  mechanism(action: 'stop' | 'start'): string {
    return action === 'stop' ? 'docker stop of the etcd task (SIGTERM)' : 'a new task of the etcd service (same data volume)';
  }

  async stop(): Promise<void> {
    const container = this.container;
    this.container = undefined;
    if (container) await container.stop({ t: 5 }).catch((err: { statusCode?: number }) => {
      if (err.statusCode !== 304 && err.statusCode !== 404) throw err;
    });
  }

  async start(): Promise<void> {
    if (this.container) return;
    const before = new Set((await tasksOf(this.serviceId)).map((t) => t.ID));
    await forceNewTask(this.serviceId, this.nodeId);
    await this.awaitRunning(before);
  }

  /** The run's cleanup removes the service with everything else of the run. */
  async close(): Promise<void> {
    await this.stop();
  }

  /** Waits for a new task, then until etcd answers on it (from the lab, on the control path). */
  private async awaitRunning(before: ReadonlySet<string>): Promise<void> {
    const task = await newRunningTask(this.serviceId, before, READY_TIMEOUT_MS, 'the run\'s etcd');
    const { container, address } = await this.access.reach(task, CLIENT_PORT, 'the run\'s etcd');
    this.container = container;
    this.nodeId = task.nodeId;
    await untilEtcdAnswers(
      address,
      READY_TIMEOUT_MS,
      (last) => new LabError(`the run's etcd (${this.serviceName}) did not answer at ${address} within ${READY_TIMEOUT_MS} ms: ${last.message}`),
    );
  }
}

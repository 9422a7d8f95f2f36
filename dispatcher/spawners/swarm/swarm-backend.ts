/**
 * Swarm services (the `swarm` spawner): one service per peer, `peerlab-SCOPE-ID`, of the
 * shape every peerlab service has (lab/runtimes/swarm/service-spec.ts: one replica, dnsrr,
 * docker-init, a short stop grace period, restart condition `none`). `none` matters here:
 * a swarm that restarted a user's task would start an empty vacant peer, while the user's
 * data sits in the dead task's container — the spawner copies it out instead. A service's labels can change, so a
 * claim adds `peerlab.user` to them (an update carrying the version it read: two claims
 * of one service cannot both win). Tasks run on the engine's default bridge and are
 * reached at their container's address: single node, the dispatcher on that node, no
 * port published to the network (swarm can publish only on every interface).
 */
import type Docker from 'dockerode';
import { docker } from '../../../lab/runtimes/docker/docker-client.js';
import { SpawnerError } from '../errors.js';
import { ignoreGone, LABELS, type ContainerBackend, type Endpoints, type FoundInstance, type VacantSpec } from '../docker/container-backend.js';
import { CONTAINER_PORTS } from '../docker/peer-in-container.js';
import { removeService } from '../../../lab/runtimes/swarm/remove-service.js';
import { serviceSpec, STOP_GRACE_NS } from '../../../lab/runtimes/swarm/service-spec.js';
import { updateService } from '../../../lab/runtimes/swarm/update-service.js';
import { ensureSwarm, leaveSwarmIfOurs } from '../../../lab/runtimes/swarm/swarm-node.js';

export class SwarmBackend implements ContainerBackend {
  readonly kind = 'swarm' as const;

  private constructor(
    private readonly scope: string,
    private readonly stateDir: string,
  ) {}

  static async create(scope: string, stateDir: string): Promise<SwarmBackend> {
    await ensureSwarm(stateDir);
    return new SwarmBackend(scope, stateDir);
  }

  async create(spec: VacantSpec): Promise<void> {
    // A spawner closed meanwhile may have left the swarm.
    await ensureSwarm(this.stateDir);
    const labels = { ...spec.labels, [LABELS.scope]: this.scope };
    await docker().createService(serviceSpec({ name: `peerlab-${this.scope}-${spec.instanceId}`, image: spec.image, args: spec.command, env: spec.env, labels }));
  }

  async get(instanceId: string): Promise<FoundInstance | undefined> {
    return (await this.list([`${LABELS.instance}=${instanceId}`]))[0];
  }

  find(): Promise<FoundInstance[]> {
    return this.list([]);
  }

  private async list(extra: string[]): Promise<FoundInstance[]> {
    const filters = JSON.stringify({ label: [`${LABELS.scope}=${this.scope}`, ...extra] });
    let services: Docker.Service[];
    try {
      services = (await docker().listServices({ filters })) as unknown as Docker.Service[];
    } catch (err) {
      // Not a swarm (left by a closed spawner): no services, hence none of ours.
      if ((err as { statusCode?: number }).statusCode === 503) return [];
      throw err;
    }
    const containers = await docker().listContainers({ all: true, filters });
    return (services as unknown as ServiceInfo[]).map((service) => {
      const labels = service.Spec.Labels ?? {};
      const instanceId = labels[LABELS.instance] ?? '';
      // The newest task's container (a finished task's stays until the service goes).
      const container = containers.filter((c) => c.Labels[LABELS.instance] === instanceId).sort((a, b) => b.Created - a.Created)[0];
      return {
        instanceId,
        user: labels[LABELS.user],
        generation: labels[LABELS.generation] ?? '',
        running: container?.State === 'running',
        exited: container?.State === 'exited' || container?.State === 'dead',
        createdAtMs: Date.parse(service.CreatedAt),
        container: container && docker().getContainer(container.Id),
        serviceId: service.ID,
      };
    });
  }

  async endpoints(found: FoundInstance): Promise<Endpoints> {
    const info = await found.container!.inspect();
    const address = Object.values(info.NetworkSettings.Networks).find((n) => n.IPAddress)?.IPAddress;
    if (!address) throw new SpawnerError(`the task container of ${found.instanceId} has no address`);
    return {
      claim: `http://${address}:${CONTAINER_PORTS.claim}/`,
      control: `${address}:${CONTAINER_PORTS.control}`,
      web: `http://${address}:${CONTAINER_PORTS.web}/`,
    };
  }

  assign(found: FoundInstance, user: string): Promise<void> {
    // Labels of the service, not of its task: the task (and its peer) keeps running.
    return updateService(serviceIdOf(found), (spec) => {
      const owner = spec.Labels?.[LABELS.user];
      if (owner !== undefined) throw new SpawnerError(`instance ${found.instanceId} is not vacant: claimed by ${JSON.stringify(owner)}`);
      return { ...spec, Labels: { ...spec.Labels, [LABELS.user]: user } };
    });
  }

  async halt(found: FoundInstance): Promise<void> {
    await found.container?.stop({ t: STOP_GRACE_NS / 1e9 }).catch((err: { statusCode?: number }) => {
      if (err.statusCode !== 304) ignoreGone(err);
    });
  }

  remove(found: FoundInstance): Promise<void> {
    return removeService(serviceIdOf(found), `${LABELS.instance}=${found.instanceId}`);
  }

  async close(): Promise<void> {
    if ((await this.find()).length > 0) return;
    await leaveSwarmIfOurs(this.stateDir);
  }
}

interface ServiceInfo {
  ID: string;
  CreatedAt: string;
  Spec: { Labels?: Record<string, string> } & Record<string, unknown>;
}

function serviceIdOf(found: FoundInstance): string {
  return (found as FoundInstance & { serviceId: string }).serviceId;
}

/**
 * Plain containers (the `docker` spawner). Each peer is a container named
 * `peerlab-SCOPE-ID` on the spawner's own bridge network (multicast between its peers
 * works there), labelled with scope, instance and generation, docker-init as PID 1, its
 * claim, control and web ports published on 127.0.0.1 only. A container's labels cannot
 * change after it is created, so a claim records the user in its name instead:
 * `peerlab-SCOPE-ID.USER` — a rename, which the engine does atomically.
 */
import { docker } from '../../../lab/runtimes/docker/docker-client.js';
import { SpawnerError } from '../errors.js';
import { ignoreGone, LABELS, type ContainerBackend, type Endpoints, type FoundInstance, type VacantSpec } from './container-backend.js';
import { CONTAINER_PORTS } from './peer-in-container.js';

const PUBLISHED = [CONTAINER_PORTS.web, CONTAINER_PORTS.control, CONTAINER_PORTS.claim];

export class DockerBackend implements ContainerBackend {
  readonly kind = 'docker' as const;

  private constructor(
    private readonly scope: string,
    readonly network: string,
  ) {}

  /** The backend of `scope`, with its network (created when missing). */
  static async create(scope: string): Promise<DockerBackend> {
    const network = `peerlab-spawner-${scope}`;
    const existing = await docker().listNetworks({ filters: JSON.stringify({ name: [network] }) });
    if (!existing.some((n) => n.Name === network)) {
      await docker()
        .createNetwork({ Name: network, Driver: 'bridge', Labels: { [LABELS.scope]: scope } })
        .catch((err: { statusCode?: number }) => {
          // Made meanwhile by another spawner of this scope: fine.
          if (err.statusCode !== 409) throw err;
        });
    }
    return new DockerBackend(scope, network);
  }

  private get prefix(): string {
    return `peerlab-${this.scope}-`;
  }

  async create(spec: VacantSpec): Promise<void> {
    const container = await docker().createContainer({
      name: `${this.prefix}${spec.instanceId}`,
      Image: spec.image,
      Cmd: spec.command,
      Env: spec.env,
      Labels: { ...spec.labels, [LABELS.scope]: this.scope },
      ExposedPorts: Object.fromEntries(PUBLISHED.map((p) => [`${p}/tcp`, {}])),
      HostConfig: {
        // node as PID 1 would ignore SIGTERM: docker-init forwards it.
        Init: true,
        NetworkMode: this.network,
        PortBindings: Object.fromEntries(PUBLISHED.map((p) => [`${p}/tcp`, [{ HostIp: '127.0.0.1', HostPort: '' }]])),
        LogConfig: { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '1' } },
      },
    });
    await container.start();
  }

  async get(instanceId: string): Promise<FoundInstance | undefined> {
    return (await this.list([`${LABELS.instance}=${instanceId}`]))[0];
  }

  find(): Promise<FoundInstance[]> {
    return this.list([]);
  }

  private async list(extra: string[]): Promise<FoundInstance[]> {
    const containers = await docker().listContainers({ all: true, filters: JSON.stringify({ label: [`${LABELS.scope}=${this.scope}`, ...extra] }) });
    return containers.map((c) => {
      const name = (c.Names[0] ?? '').replace(/^\//, '');
      const instanceId = c.Labels[LABELS.instance] ?? '';
      const suffix = name.slice(`${this.prefix}${instanceId}`.length);
      return {
        instanceId,
        user: suffix.startsWith('.') ? suffix.slice(1) : undefined,
        generation: c.Labels[LABELS.generation] ?? '',
        running: c.State === 'running',
        exited: c.State === 'exited' || c.State === 'dead',
        createdAtMs: c.Created * 1000,
        container: docker().getContainer(c.Id),
      };
    });
  }

  async endpoints(found: FoundInstance): Promise<Endpoints> {
    const info = await found.container!.inspect();
    const port = (inside: number) => {
      const binding = info.NetworkSettings.Ports[`${inside}/tcp`]?.find((b) => b.HostIp === '127.0.0.1' || b.HostIp === '0.0.0.0');
      if (!binding) throw new SpawnerError(`container of ${found.instanceId} publishes no port for ${inside}`);
      return Number(binding.HostPort);
    };
    return {
      claim: `http://127.0.0.1:${port(CONTAINER_PORTS.claim)}/`,
      control: `127.0.0.1:${port(CONTAINER_PORTS.control)}`,
      web: `http://127.0.0.1:${port(CONTAINER_PORTS.web)}/`,
    };
  }

  async assign(found: FoundInstance, user: string): Promise<void> {
    // Refused (409) if a container of that name exists: a second claim for one user cannot slip through.
    await found.container!.rename({ name: `${this.prefix}${found.instanceId}.${user}` });
  }

  async halt(found: FoundInstance): Promise<void> {
    await found.container!.stop({ t: 10 }).catch(ignoreStopped);
  }

  async remove(found: FoundInstance): Promise<void> {
    await found.container?.remove({ force: true, v: true }).catch(ignoreGone);
  }

  async close(): Promise<void> {
    if ((await this.find()).length > 0) return;
    await docker().getNetwork(this.network).remove().catch(ignoreGone);
  }
}

/** 304: it was not running. */
function ignoreStopped(err: { statusCode?: number }): void {
  if (err.statusCode !== 304) ignoreGone(err);
}

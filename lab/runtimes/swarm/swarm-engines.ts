/**
 * The swarm's nodes and the Docker engine the lab drives each node's task containers
 * through. The lab talks to the swarm through its own engine (DOCKER_HOST or the local
 * socket; a manager): services, tasks, nodes. A task's container lives on the node the
 * swarm placed it on, and kills, stops, pauses, Docker stats and logs go to that node's
 * engine: the lab's own for its own node, the one named with `--swarm-engine NODE=URL`
 * for any other. A task on a node with no engine named is an error that says so.
 */
import Docker from 'dockerode';
import { LabError } from '../errors.js';
import { docker } from '../docker/docker-client.js';

/** A node as the runtime needs it. */
export interface SwarmNode {
  id: string;
  hostname: string;
  /** The address other nodes (and the lab) reach it at: its advertise address. */
  addr: string;
  /** Ready and active: the swarm may place tasks on it. */
  takesTasks: boolean;
}

/** Where the lab reaches a task's container. */
export interface NodeEngine {
  docker: Docker;
  /** On this machine's kernel (the lab's engine or a unix socket): its pids are ours, nsenter reaches its namespaces. */
  onThisMachine: boolean;
}

/** What `--swarm-engine` accepts: unix:///path/docker.sock or tcp://HOST:PORT (plain HTTP; put TLS or ssh in front yourself). */
export function engineFromUrl(url: string): NodeEngine {
  const unix = /^unix:\/\/(\/.+)$/.exec(url);
  if (unix) return { docker: new Docker({ socketPath: unix[1]! }), onThisMachine: true };
  const tcp = /^tcp:\/\/([^/:]+|\[[0-9a-fA-F:]+\]):(\d{1,5})\/?$/.exec(url);
  if (tcp && Number(tcp[2]) > 0 && Number(tcp[2]) < 65536) {
    return { docker: new Docker({ host: tcp[1]!.replace(/^\[|\]$/g, ''), port: Number(tcp[2]), protocol: 'http' }), onThisMachine: false };
  }
  throw new LabError(`--swarm-engine: "${url}" is not an engine address; expected unix:///path/to/docker.sock or tcp://HOST:PORT`);
}

/** `NODE=URL` pairs (repeatable flag values) as a map; a malformed pair is an error naming it. */
export function parseEngineFlags(values: readonly string[]): Record<string, string> {
  const engines: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    const node = value.slice(0, eq).trim();
    const url = value.slice(eq + 1).trim();
    if (eq <= 0 || url === '') throw new LabError(`--swarm-engine ${value}: expected NODE=URL, e.g. worker1=tcp://10.0.0.12:2375 (NODE is the node's hostname or id in \`docker node ls\`)`);
    if (Object.hasOwn(engines, node)) throw new LabError(`--swarm-engine: node "${node}" is named twice`);
    engineFromUrl(url);
    engines[node] = url;
  }
  return engines;
}

/** An engine named for another node: the name it was given for (hostname or id), its URL and its client. */
export interface NamedEngine extends NodeEngine {
  name: string;
  url: string;
}

/** The swarm's nodes, the lab's own among them, and an engine per node. */
export class SwarmEngines {
  private nodes = new Map<string, SwarmNode>();
  /** One client per named engine, made once. */
  readonly named: readonly NamedEngine[];

  private constructor(
    /** The node of the lab's own engine. */
    readonly localNodeId: string,
    urls: Readonly<Record<string, string>>,
  ) {
    this.named = Object.entries(urls).map(([name, url]) => ({ name, url, ...engineFromUrl(url) }));
  }

  /** Reads the swarm's nodes through the lab's engine (which must be a manager of a swarm). */
  static async discover(urls: Readonly<Record<string, string>> = {}): Promise<SwarmEngines> {
    const info = (await docker().info()) as { Swarm?: { NodeID?: string } };
    const engines = new SwarmEngines(info.Swarm?.NodeID ?? '', urls);
    await engines.refresh();
    for (const { name } of engines.named) {
      if (![...engines.nodes.values()].some((n) => n.hostname === name || n.id === name)) {
        throw new LabError(`--swarm-engine ${name}=…: the swarm has no node with that hostname or id (nodes: ${engines.describe()})`);
      }
    }
    // Before anything is made: a task the swarm puts on a node the lab cannot reach could be neither driven nor removed.
    const unreached = [...engines.nodes.values()].filter((n) => n.takesTasks && n.id !== engines.localNodeId && !engines.namedFor(n));
    if (unreached.length > 0) {
      throw new LabError(
        `the swarm may place peers on ${unreached.map((n) => `${n.hostname} (${n.addr})`).join(', ')}, and the lab has no Docker engine for ${unreached.length === 1 ? 'it' : 'them'}: ` +
          `name each with --swarm-engine, e.g. ${unreached.map((n) => `--swarm-engine ${n.hostname}=tcp://${n.addr}:2375`).join(' ')} (or unix:///path for an engine on this machine), ` +
          'or drain the node (docker node update --availability drain NODE)',
      );
    }
    return engines;
  }

  /** How many nodes the swarm has. */
  get size(): number {
    return this.nodes.size;
  }

  /** Whether any engine named for another node is reached over the network (pids and namespaces out of reach). */
  get anyRemote(): boolean {
    return this.named.some((e) => !e.onThisMachine);
  }

  /** The node `nodeId` (read again once if the swarm has grown since). */
  async node(nodeId: string): Promise<SwarmNode> {
    if (!this.nodes.has(nodeId)) await this.refresh();
    const node = this.nodes.get(nodeId);
    if (!node) throw new LabError(`the swarm has no node ${nodeId.slice(0, 12)} (nodes: ${this.describe()})`);
    return node;
  }

  /** The engine of the node a task runs on. */
  async engineOf(nodeId: string, what: string): Promise<NodeEngine> {
    if (nodeId === this.localNodeId) return { docker: docker(), onThisMachine: true };
    const node = await this.node(nodeId);
    const engine = this.namedFor(node);
    if (!engine) {
      throw new LabError(
        `${what} runs on node ${node.hostname} (${node.addr}), which took no tasks when the run began, and the lab has no Docker engine for it: ` +
          `name one with --swarm-engine ${node.hostname}=tcp://${node.addr}:2375 (or unix:///path for an engine on this machine)`,
      );
    }
    return engine;
  }

  private namedFor(node: SwarmNode): NamedEngine | undefined {
    return this.named.find((e) => e.name === node.hostname || e.name === node.id);
  }

  private describe(): string {
    return [...this.nodes.values()].map((n) => `${n.hostname} ${n.id.slice(0, 12)}`).join(', ') || 'none';
  }

  private async refresh(): Promise<void> {
    const listed = (await docker().listNodes()) as NodeInfo[];
    this.nodes = new Map(listed.map((n) => [n.ID, { id: n.ID, hostname: n.Description?.Hostname ?? n.ID, addr: nodeAddress(n), takesTasks: n.Status?.State === 'ready' && n.Spec?.Availability === 'active' }]));
  }
}

/** A node as the engine lists it (the fields read here). */
interface NodeInfo {
  ID: string;
  Description?: { Hostname?: string };
  Status?: { Addr?: string; State?: string };
  Spec?: { Availability?: string };
  ManagerStatus?: { Addr?: string };
}

/** Its advertise address; a manager may list 0.0.0.0 there, its manager address then says it. */
function nodeAddress(node: NodeInfo): string {
  const addr = node.Status?.Addr ?? '';
  if (addr !== '' && addr !== '0.0.0.0') return addr;
  return (node.ManagerStatus?.Addr ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
}

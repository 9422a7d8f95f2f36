/**
 * The two bridge networks of a docker run, with subnets of their own so every peer gets
 * a fixed address that survives restarts:
 * - the peer network carries discovery multicast and peer-to-peer gRPC; partitions and
 *   link shaping act on it only. Not `--internal`: Docker's isolation rule for internal
 *   networks (`! -d <subnet> -j DROP`) drops multicast (239.x is outside the subnet).
 *   Masquerading is off instead, so nothing from it is NATed off the machine;
 * - the control network joins the host to each peer's control API, and no fault touches
 *   it, so the lab can still drive a peer that is cut off from the others.
 * Subnets are picked in 10.213.0.0/16 and 10.214.0.0/16, away from Docker's default
 * pools, skipping any that overlap an existing network or a host interface.
 */
import { randomInt } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { LabError } from '../errors.js';
import { docker, LABEL_OWNER_PID, LABEL_ROLE, LABEL_RUN } from './docker-client.js';

/** A /24 network: `10.213.7` with peers at .10 and up. */
export interface RunNetwork {
  id: string;
  name: string;
  /** First three octets. */
  prefix: string;
  subnet: string;
}

export interface RunNetworks {
  peer: RunNetwork;
  control: RunNetwork;
}

/** First host number given to a peer (the gateway is .1). */
const FIRST_HOST = 10;
/** Peers a run can have: the hosts left in a /24. */
export const MAX_PEERS = 254 - FIRST_HOST;

/** The address of the n-th peer (0-based) on `net`. */
export function peerAddress(net: RunNetwork, n: number): string {
  if (n >= MAX_PEERS) throw new LabError(`a docker run has room for ${MAX_PEERS} peers (one /24 subnet); peer ${n} does not fit`);
  return `${net.prefix}.${FIRST_HOST + n}`;
}

/** The /24 prefixes already used by Docker networks or host interfaces. */
export async function usedPrefixes(): Promise<Set<string>> {
  const used = new Set<string>();
  const prefixOf = (ip: string) => ip.split('.').slice(0, 3).join('.');
  for (const net of await docker().listNetworks()) {
    for (const config of net.IPAM?.Config ?? []) if (config.Subnet) used.add(prefixOf(config.Subnet));
  }
  for (const infos of Object.values(networkInterfaces())) for (const info of infos ?? []) if (info.family === 'IPv4') used.add(prefixOf(info.address));
  return used;
}

/**
 * Creates the run's network `peerlab-RUN-ROLE` on a free /24 in 10.SECOND.0.0/16: a
 * bridge (the docker runtime) or an attachable overlay (the swarm runtime: its tasks
 * join it, and so can a plain container).
 */
export async function createNetwork(runId: string, role: 'peer' | 'control', second: number, used: Set<string>, driver: 'bridge' | 'overlay' = 'bridge'): Promise<RunNetwork> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 20; attempt++) {
    const prefix = `10.${second}.${randomInt(256)}`;
    if (used.has(prefix)) continue;
    const name = `peerlab-${runId}-${role}`;
    try {
      const network = await docker().createNetwork({
        Name: name,
        Driver: driver,
        // No NAT off the machine for peer traffic (see above); the control network only
        // carries host <-> container traffic. (An overlay has no such option: its tasks
        // reach out through the node's docker_gwbridge.)
        ...(driver === 'bridge' ? { Options: { 'com.docker.network.bridge.enable_ip_masquerade': 'false' } } : { Attachable: true }),
        CheckDuplicate: true,
        IPAM: { Driver: 'default', Config: [{ Subnet: `${prefix}.0/24`, Gateway: `${prefix}.1` }] },
        Labels: { [LABEL_RUN]: runId, [LABEL_ROLE]: `${role}-network`, [LABEL_OWNER_PID]: String(process.pid) },
      });
      return { id: network.id, name, prefix, subnet: `${prefix}.0/24` };
    } catch (err) {
      // Another run took the subnet between our look and our create: try another.
      lastError = err;
      used.add(prefix);
    }
  }
  throw new LabError(`cannot create the ${role} network for run ${runId}: ${(lastError as Error | undefined)?.message ?? 'no free /24 in 10.' + second + '.0.0/16'}`, { cause: lastError });
}

/** Creates the run's peer and control networks. */
export async function createRunNetworks(runId: string): Promise<RunNetworks> {
  const used = await usedPrefixes();
  const peer = await createNetwork(runId, 'peer', 213, used);
  try {
    return { peer, control: await createNetwork(runId, 'control', 214, used) };
  } catch (err) {
    await docker().getNetwork(peer.id).remove().catch(() => undefined);
    throw err;
  }
}

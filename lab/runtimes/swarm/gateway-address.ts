/** Where the host reaches a task's container: its address on the node's docker_gwbridge. */
import { setTimeout as sleep } from 'node:timers/promises';
import { LabError } from '../errors.js';
import { docker } from '../docker/docker-client.js';

const POLL_MS = 100;

/**
 * The address the host reaches a task container at: its interface on this node's
 * docker_gwbridge. Every task on a (non-internal) overlay has one, and it is a plain
 * local bridge, so the host can connect to it; peer traffic and faults stay on the
 * overlay. Only for tasks on this node.
 */
export async function gatewayAddress(containerId: string, timeoutMs = 5_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = (await docker().getNetwork('docker_gwbridge').inspect()) as { Containers?: Record<string, { IPv4Address?: string }> };
    const address = info.Containers?.[containerId]?.IPv4Address?.split('/')[0];
    if (address) return address;
    if (Date.now() > deadline) throw new LabError(`container ${containerId.slice(0, 12)} has no address on docker_gwbridge after ${timeoutMs} ms: is its task on another node? (the lab reaches tasks on its own node only)`);
    await sleep(POLL_MS);
  }
}

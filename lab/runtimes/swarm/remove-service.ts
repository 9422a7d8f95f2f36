/**
 * Removing a peer's service so that nothing of it is left. The swarm creates and removes
 * a task's container in its own time: a service removed while its task is being set up
 * can still get a container a moment later. So: wait for the task to leave the states in
 * which its container is being made, remove the service, then remove its containers until
 * none has been seen for a while.
 */
import { ignoreGone } from '../docker/cleanup.js';
import { docker } from '../docker/docker-client.js';

/** Task states in which the node may still be creating or starting the task's container. */
const SETTING_UP = new Set(['assigned', 'accepted', 'preparing', 'ready', 'starting']);
/** How long to wait for either; the engine is slow only when the machine is very busy. */
const WAIT_MS = 20_000;
/** No container seen for this long: none is coming. */
const QUIET_MS = 1_000;
const POLL_MS = 100;

const pause = () => new Promise((resolve) => setTimeout(resolve, POLL_MS));

/** Removes the service `serviceId` and then every container labelled `containerLabel` (`key=value`: its tasks'). */
export async function removeService(serviceId: string, containerLabel: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    const tasks = (await docker().listTasks({ filters: JSON.stringify({ service: [serviceId] }) }).catch(() => [])) as Array<{ Status?: { State?: string } }>;
    if (!tasks.some((t) => SETTING_UP.has(t.Status?.State ?? ''))) break;
    await pause();
  }
  await docker().getService(serviceId).remove().catch(ignoreGone);
  const filters = JSON.stringify({ label: [containerLabel] });
  let quietSince = Date.now();
  while (Date.now() - quietSince < QUIET_MS && Date.now() < deadline + WAIT_MS) {
    const containers = await docker().listContainers({ all: true, filters });
    if (containers.length > 0) quietSince = Date.now();
    for (const c of containers) await docker().getContainer(c.Id).remove({ force: true, v: true }).catch(ignoreGone);
    await pause();
  }
}

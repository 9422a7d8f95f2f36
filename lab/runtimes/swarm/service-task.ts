/**
 * A service's task as a container on this node: waiting for the swarm to schedule a new
 * task and start its container, asking for a new task (after the last one was killed or
 * stopped), and the address the host reaches a task container at.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { LabError } from '../errors.js';
import { docker } from '../docker/docker-client.js';

/** How often the engine is asked, for every wait at once. */
const POLL_MS = 150;

interface TaskInfo {
  ID: string;
  ServiceID?: string;
  DesiredState?: string;
  NodeID?: string;
  Status?: { State?: string; Err?: string; ContainerStatus?: { ContainerID?: string } };
}

/** Task states after which a task never runs (again). */
const ENDED = new Set(['complete', 'shutdown', 'failed', 'rejected', 'orphaned', 'remove']);

/** The service's tasks now. */
export async function tasksOf(serviceId: string): Promise<TaskInfo[]> {
  return (await docker().listTasks({ filters: JSON.stringify({ service: [serviceId] }) })) as TaskInfo[];
}

/** One wait for a new running task of a service. */
interface TaskWait {
  serviceId: string;
  before: ReadonlySet<string>;
  deadline: number;
  timeoutMs: number;
  what: string;
  last: string;
  resolve(found: { taskId: string; containerId: string; nodeId: string }): void;
  reject(err: Error): void;
}

const waits = new Set<TaskWait>();
let polling = false;

/**
 * Waits until a task of `serviceId` not in `before` runs, and returns its container id
 * and the node it runs on. A task the swarm rejects or that fails first is an error that
 * says why (the swarm's own words). Every wait of this process shares one poll of the
 * engine (one task list for all the services waited on), so starting 30 peers does not
 * ask the engine 300 times a second while it is busy creating their tasks.
 */
export function newRunningTask(serviceId: string, before: ReadonlySet<string>, timeoutMs: number, what: string): Promise<{ taskId: string; containerId: string; nodeId: string }> {
  return new Promise((resolve, reject) => {
    waits.add({ serviceId, before, deadline: Date.now() + timeoutMs, timeoutMs, what, last: 'no task scheduled yet', resolve, reject });
    if (!polling) void pollTasks();
  });
}

async function pollTasks(): Promise<void> {
  polling = true;
  try {
    while (waits.size > 0) {
      const services = [...new Set([...waits].map((w) => w.serviceId))];
      let tasks: TaskInfo[] = [];
      let failure: Error | undefined;
      try {
        tasks = (await docker().listTasks({ filters: JSON.stringify({ service: services }) })) as TaskInfo[];
      } catch (err) {
        failure = err as Error;
      }
      for (const wait of [...waits]) settle(wait, tasks as TaskInfo[], failure);
      if (waits.size > 0) await sleep(POLL_MS);
    }
  } finally {
    polling = false;
  }
}

function settle(wait: TaskWait, tasks: TaskInfo[], failure: Error | undefined): void {
  const done = (outcome: () => void) => {
    waits.delete(wait);
    outcome();
  };
  for (const task of tasks) {
    if (task.ServiceID !== wait.serviceId || wait.before.has(task.ID)) continue;
    const state = task.Status?.State ?? '';
    const containerId = task.Status?.ContainerStatus?.ContainerID;
    if (state === 'running' && containerId) return done(() => wait.resolve({ taskId: task.ID, containerId, nodeId: task.NodeID ?? '' }));
    if (ENDED.has(state)) {
      return done(() => wait.reject(new LabError(`${wait.what}: its swarm task ${task.ID.slice(0, 12)} ended as ${state} before running${task.Status?.Err ? `: ${task.Status.Err}` : ''}`)));
    }
    wait.last = `task ${task.ID.slice(0, 12)} is ${state}`;
  }
  if (failure) wait.last = `listing tasks failed: ${failure.message}`;
  if (Date.now() > wait.deadline) done(() => wait.reject(new LabError(`${wait.what}: no task of its swarm service ran within ${wait.timeoutMs} ms (${wait.last})`)));
}

/**
 * Asks the swarm for a new task of a one-replica service whose task has ended (killed or
 * stopped: restart condition `none` keeps it down): `docker service update --force`.
 */
export async function forceNewTask(serviceId: string): Promise<void> {
  const service = docker().getService(serviceId);
  const info = (await service.inspect()) as { Version: { Index: number }; Spec: { TaskTemplate: { ForceUpdate?: number } } & Record<string, unknown> };
  const spec = { ...info.Spec, TaskTemplate: { ...info.Spec.TaskTemplate, ForceUpdate: (info.Spec.TaskTemplate.ForceUpdate ?? 0) + 1 } };
  await service.update({ _query: { version: info.Version.Index }, _body: spec });
}

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

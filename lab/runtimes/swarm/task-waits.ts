/**
 * Waiting for a service's new task to run on the swarm, for every peer of the process at
 * once: one poll of the engine's task list serves all the waits.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { LabError } from '../errors.js';
import { docker } from '../docker/docker-client.js';
import { ENDED, type TaskInfo } from './service-task.js';

/** How often the engine is asked, for every wait at once. */
const POLL_MS = 150;

/** A task the swarm reports running, as listed. */
export interface RunningTask {
  taskId: string;
  containerId: string;
  nodeId: string;
  /** The ports its node publishes for it (mode host), as the swarm reported them with its state. */
  ports: NonNullable<NonNullable<TaskInfo['Status']>['PortStatus']>['Ports'];
}

/** One wait for a new running task of a service. */
interface TaskWait {
  serviceId: string;
  before: ReadonlySet<string>;
  deadline: number;
  timeoutMs: number;
  what: string;
  last: string;
  resolve(found: RunningTask): void;
  reject(err: Error): void;
}

const waits = new Set<TaskWait>();
let polling = false;

/**
 * Waits until a task of `serviceId` not in `before` runs, and returns its container id,
 * the node it runs on and the ports the node publishes for it. A task the swarm rejects or that fails first is an error that
 * says why (the swarm's own words). Every wait of this process shares one poll of the
 * engine (one task list for all the services waited on), so starting 30 peers does not
 * ask the engine 300 times a second while it is busy creating their tasks.
 */
export function newRunningTask(serviceId: string, before: ReadonlySet<string>, timeoutMs: number, what: string): Promise<RunningTask> {
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
    if (state === 'running' && containerId) return done(() => wait.resolve({ taskId: task.ID, containerId, nodeId: task.NodeID ?? '', ports: task.Status?.PortStatus?.Ports }));
    if (ENDED.has(state)) {
      return done(() => wait.reject(new LabError(`${wait.what}: its swarm task ${task.ID.slice(0, 12)} ended as ${state} before running${task.Status?.Err ? `: ${task.Status.Err}` : ''}`)));
    }
    wait.last = `task ${task.ID.slice(0, 12)} is ${state}`;
  }
  if (failure) wait.last = `listing tasks failed: ${failure.message}`;
  if (Date.now() > wait.deadline) done(() => wait.reject(new LabError(`${wait.what}: no task of its swarm service ran within ${wait.timeoutMs} ms (${wait.last})`)));
}

/**
 * A one-replica service's tasks: listing them, and asking the swarm for a new one after
 * the last was killed or stopped (restart condition `none` keeps it down).
 */
import { docker } from '../docker/docker-client.js';
import { updateService } from './update-service.js';

/** A task as the engine lists it (the fields the runtime reads). */
export interface TaskInfo {
  ID: string;
  ServiceID?: string;
  DesiredState?: string;
  NodeID?: string;
  Status?: {
    State?: string;
    Err?: string;
    ContainerStatus?: { ContainerID?: string };
    PortStatus?: { Ports?: Array<{ TargetPort?: number; PublishedPort?: number; PublishMode?: string }> };
  };
}

/** Task states after which a task never runs (again). */
export const ENDED = new Set(['complete', 'shutdown', 'failed', 'rejected', 'orphaned', 'remove']);

/** The service's tasks now. */
export async function tasksOf(serviceId: string): Promise<TaskInfo[]> {
  return (await docker().listTasks({ filters: JSON.stringify({ service: [serviceId] }) })) as TaskInfo[];
}

/**
 * Asks the swarm for a new task of a one-replica service whose task has ended (killed or
 * stopped: restart condition `none` keeps it down): `docker service update --force`.
 * With `onNode`, the task is placed on that node only (`node.id==` constraint): a peer's
 * data volume is local to the node its first task ran on, and a task elsewhere would
 * start with an empty one, as a new peer.
 */
export function forceNewTask(serviceId: string, onNode?: string): Promise<void> {
  return updateService(serviceId, (spec) => {
    const template = spec.TaskTemplate;
    const placement = onNode ? { Placement: { ...template.Placement, Constraints: [`node.id==${onNode}`] } } : {};
    return { ...spec, TaskTemplate: { ...template, ...placement, ForceUpdate: (template.ForceUpdate ?? 0) + 1 } };
  });
}

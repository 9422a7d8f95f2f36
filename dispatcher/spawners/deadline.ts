/** A start's deadline, shared by its steps. */
import { SpawnerError } from './errors.js';

/** Time left before `deadline`, or a SpawnerError naming the instance when none is. */
export function remaining(deadline: number, instanceId: string): number {
  const left = deadline - Date.now();
  if (left <= 0) throw new SpawnerError(`instance ${instanceId}: the start timeout ran out`);
  return left;
}

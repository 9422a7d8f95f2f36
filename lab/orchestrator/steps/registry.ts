import { LabError } from '../../runtimes/errors.js';
import type { RegistryStep } from '../../scenario/types.js';
import type { RunContext } from '../context.js';
import type { StepResult } from './step-result.js';

/** `registry: { stop: true }` / `{ start: true }`: the run's etcd goes down or comes back, recorded as a fault. */
export async function registryStep(step: RegistryStep, ctx: RunContext): Promise<StepResult> {
  const registry = ctx.registry;
  if (!registry) throw new LabError('a registry step ran without the scenario\'s registry (registry: etcd)');
  const mechanism = registry.mechanism(step.action);
  ctx.recorder.emit({ type: 'fault', fault: 'registry', peers: [], mechanism, scheduledT: ctx.schedule.due, detail: { action: step.action } });
  await (step.action === 'stop' ? registry.stop() : registry.start());
  return { detail: { action: step.action, mechanism } };
}

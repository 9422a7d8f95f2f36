import type { BareStep, LoadStep } from '../../scenario/types.js';
import type { RunContext } from '../context.js';
import { joinBroadcastRoom } from '../gossip.js';
import { LoadDriver } from '../load-driver.js';
import { orAbort } from '../waiting.js';
import type { StepResult } from './step-result.js';

/**
 * `load`: starts the open-model schedule. In the foreground the step lasts `durationMs`;
 * with `background: true` the next steps run meanwhile and the step's `end` event is
 * recorded when its time is over (or when the scenario ends first).
 */
export async function loadStep(step: LoadStep, ctx: RunContext): Promise<StepResult> {
  if (step.pattern === 'broadcast') await joinBroadcastRoom(step, ctx);
  const driver = new LoadDriver(ctx, step);
  ctx.loads.add(driver);
  driver.start(ctx.schedule.due);
  const ended = driver.done.then((tally) => {
    ctx.loads.delete(driver);
    return tally;
  });
  if (!step.background) return { detail: await orAbort(ended, ctx.signal) };
  const background = ended.then((tally) => {
    ctx.recorder.emit({ type: 'step', index: step.index, name: 'load', phase: 'end', ...(step.label === undefined ? {} : { label: step.label }), detail: tally });
  });
  return { background };
}

/** `pause_load` / `resume_load`: suspends or resumes every load step that is running. */
export async function loadControlStep(step: BareStep, ctx: RunContext): Promise<StepResult> {
  const loads = [...ctx.loads];
  for (const driver of loads) {
    if (step.kind === 'pause_load') driver.pause();
    else driver.resume();
  }
  return { detail: { loads: loads.map((d) => d.step.index) } };
}

import type { SleepStep } from '../../scenario/types.js';
import type { RunContext } from '../context.js';

/**
 * `sleep`: a pause the scenario asked for (background load keeps flowing). It ends
 * `durationMs` after the step was due, not after it began: time a restart before it
 * overran comes off the sleep, so later steps stay on schedule.
 */
export async function sleepStep(step: SleepStep, ctx: RunContext): Promise<void> {
  await ctx.schedule.sleep(step.durationMs, ctx.signal);
}

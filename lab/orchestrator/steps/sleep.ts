import type { SleepStep } from '../../scenario/types.js';
import type { RunContext } from '../context.js';
import { delay } from '../waiting.js';

/** `sleep`: a pause the scenario asked for (background load keeps flowing). */
export async function sleepStep(step: SleepStep, ctx: RunContext): Promise<void> {
  await delay(step.durationMs, ctx.signal);
}

import type { JoinStep, StartStep } from '../../scenario/types.js';
import type { RunContext } from '../context.js';
import { launchPeer, specFor } from '../peer-life.js';

/** `start` and `join`: new peers, started in parallel; resolves when every one is up. */
export async function startStep(step: StartStep | JoinStep, ctx: RunContext): Promise<void> {
  const slots = Array.from({ length: step.count }, () => ctx.fleet.add());
  if (step.kind === 'join') ctx.recorder.emit({ type: 'fault', fault: 'join', peers: slots.map((s) => s.name) });
  // allSettled: a peer that fails must not leave the others starting unwatched.
  const results = await Promise.allSettled(slots.map((slot) => launchPeer(ctx, slot, () => ctx.runtime.start(specFor(ctx, slot)), false)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

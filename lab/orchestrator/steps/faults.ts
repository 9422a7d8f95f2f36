import { LabError } from '../../runtimes/errors.js';
import type { PeerFaultStep } from '../../scenario/types.js';
import type { RunContext } from '../context.js';
import type { PeerSlot } from '../fleet.js';
import { launchPeer, specFor, takeDown } from '../peer-life.js';
import type { StepResult } from './step-result.js';

/**
 * `kill`, `stop`, `restart`, `pause`, `unpause`: done to every listed peer at once
 * through the runtime, and recorded as a `fault` event naming how (SIGKILL, ...).
 */
export async function faultStep(step: PeerFaultStep, ctx: RunContext): Promise<StepResult> {
  const slots = step.peers.map((i) => ctx.fleet.at(i));
  ctx.recorder.emit({ type: 'fault', fault: step.kind, peers: slots.map((s) => s.name), mechanism: ctx.runtime.mechanisms[step.kind], scheduledT: ctx.schedule.due });
  const results = await Promise.allSettled(slots.map((slot) => FAULTS[step.kind](ctx, slot)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return { detail: { peers: slots.map((s) => s.name) } };
}

const FAULTS: Record<PeerFaultStep['kind'], (ctx: RunContext, slot: PeerSlot) => Promise<void>> = {
  kill: (ctx, slot) => takeDown(ctx, slot, 'kill'),
  stop: (ctx, slot) => takeDown(ctx, slot, 'stop'),
  /** A running peer is stopped first; then the same peer (identity, data) starts again. */
  async restart(ctx, slot) {
    if (slot.state === 'up' || slot.state === 'paused') await takeDown(ctx, slot, 'stop');
    const stopped = slot.stopped;
    if (!stopped) {
      // Down without a StoppedPeer: it never started, or died on its own before the runtime could keep it.
      const spec = specFor(ctx, slot);
      return launchPeer(ctx, slot, () => ctx.runtime.start(spec), true);
    }
    await launchPeer(ctx, slot, () => stopped.start(), true);
  },
  async pause(ctx, slot) {
    if (slot.state !== 'up' || !slot.peer) throw new LabError(`cannot pause ${slot.name}: it is ${slot.state}`);
    slot.state = 'paused';
    await slot.peer.pause();
    ctx.recorder.changed();
  },
  async unpause(ctx, slot) {
    if (slot.state !== 'paused' || !slot.peer) throw new LabError(`cannot unpause ${slot.name}: it is ${slot.state}`);
    await slot.peer.unpause();
    slot.state = 'up';
    ctx.recorder.changed();
  },
};

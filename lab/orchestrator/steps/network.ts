/**
 * `partition`, `heal` and `link`: network faults, done by the runtime's `network`
 * capability, `networkFaults` (docker: iptables/tc or the NFQUEUE delayer in each container's network
 * namespace) and recorded as `fault` events with the mechanism that did them, so the
 * report can say how each link was shaped.
 *
 * A partition's `fault` event is recorded once the cut is in force and heal's before it
 * is lifted, so a delivery between groups inside [partition, heal] really crossed it.
 */
import { LabError } from '../../runtimes/errors.js';
import type { NetworkFaults } from '../../runtimes/network-faults.js';
import type { BareStep, LinkStep, PartitionStep } from '../../scenario/types.js';
import type { RunContext } from '../context.js';
import type { StepResult } from './step-result.js';

function networkOf(ctx: RunContext, kind: string): NetworkFaults {
  const network = ctx.runtime.networkFaults;
  if (!network) throw new LabError(`the ${ctx.runtime.name} runtime cannot ${kind}: ${ctx.runtime.unsupported(kind as 'partition') ?? 'it has no network faults'}`);
  return network;
}

/** Cuts the peers into the step's groups; peers in no group form one more. */
export async function partitionStep(step: PartitionStep, ctx: RunContext): Promise<StepResult> {
  const listed = new Set(step.groups.flat());
  const groups = step.groups.map((g) => g.map((i) => `p${i}`));
  const rest = ctx.fleet.slots.filter((s) => !listed.has(s.index)).map((s) => s.name);
  if (rest.length > 0) groups.push(rest);
  const result = await networkOf(ctx, 'partition').partition(groups);
  ctx.recorder.emit({ type: 'fault', fault: 'partition', peers: groups.flat(), mechanism: result.mechanism, detail: { groups } });
  return { detail: { groups } };
}

/** Lifts the partition. */
export async function healStep(_step: BareStep, ctx: RunContext): Promise<StepResult> {
  const network = networkOf(ctx, 'heal');
  const at = ctx.recorder.now();
  const result = await network.heal();
  ctx.recorder.emit({ type: 'fault', fault: 'heal', peers: ctx.fleet.slots.map((s) => s.name), mechanism: result.mechanism, detail: { requestedAtMs: at } });
  return {};
}

/** Shapes the listed peers' links (delay ± jitter, loss); zeros remove the shaping. */
export async function linkStep(step: LinkStep, ctx: RunContext): Promise<StepResult> {
  const peers = step.peers.map((i) => `p${i}`);
  const shape = { delayMs: step.delayMs, jitterMs: step.jitterMs, loss: step.loss };
  const result = await networkOf(ctx, 'link').link(peers, shape);
  const detail = { ...shape, ...(result.links ? { links: result.links } : {}) };
  ctx.recorder.emit({ type: 'fault', fault: 'link', peers, mechanism: result.mechanism, detail });
  return { detail };
}

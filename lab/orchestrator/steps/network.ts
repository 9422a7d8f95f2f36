/**
 * `partition`, `heal` and `link`: network faults, done by the runtime's `networkFaults`
 * capability (docker: iptables/tc/ss or the NFQUEUE delayer in each container's network
 * namespace; process: the lab's TCP proxy and multicast relay) and recorded as `fault`
 * events with the mechanism that did them, so the report can say how each link was shaped.
 *
 * A partition's `fault` event is recorded once the cut is in force and heal's before it
 * is lifted, so a delivery between groups inside [partition, heal] really crossed it.
 */
import { LabError } from '../../runtimes/errors.js';
import { isUnshaped, type LinkShape, type NetworkFaultResult, type NetworkFaults } from '../../runtimes/network-faults.js';
import type { BareStep, LinkStep, PartitionStep, Scenario } from '../../scenario/types.js';
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
  ctx.recorder.emit({ type: 'fault', fault: 'partition', peers: groups.flat(), mechanism: result.mechanism, detail: { groups, ...result.counts } });
  return { detail: { groups } };
}

/** Lifts the partition. */
export async function healStep(_step: BareStep, ctx: RunContext): Promise<StepResult> {
  const network = networkOf(ctx, 'heal');
  const at = ctx.recorder.now();
  const result = await network.heal();
  ctx.recorder.emit({ type: 'fault', fault: 'heal', peers: ctx.fleet.slots.map((s) => s.name), mechanism: result.mechanism, detail: { requestedAtMs: at, ...result.counts } });
  return {};
}

/** The shape a link step gives, as the runtime takes it. */
function shapeOf(step: LinkStep): LinkShape {
  return { delayMs: step.delayMs, jitterMs: step.jitterMs, loss: step.loss, bandwidthBps: step.bandwidthBps };
}

/** Whether a link step changes anything: it shapes, resets, or clears a shape an earlier step gave. */
function linkStepChanges(step: LinkStep, scenario: Scenario): boolean {
  if (step.reset || (step.setsShape && !isUnshaped(shapeOf(step)))) return true;
  return scenario.steps.some((s) => s.kind === 'link' && s.index < step.index && s.setsShape && !isUnshaped(shapeOf(s)));
}

/**
 * Whether the run partitions, shapes or resets links, so its peers must be on a path the
 * runtime controls (process: the lab's proxy and relay). A link step of all zeros that
 * clears nothing does not count: smoke's default `delay: 0ms` puts nothing in the path.
 */
export function usesLinkFaults(scenario: Scenario): boolean {
  return scenario.steps.some((s) => s.kind === 'partition' || s.kind === 'heal' || (s.kind === 'link' && linkStepChanges(s, scenario)));
}

/**
 * Shapes the listed peers' links (delay ± jitter, loss, bandwidth; zeros remove the
 * shaping) and, with `reset`, breaks their open connections. A step that changes nothing
 * (all zeros, nothing shaped before) is not a fault and touches nothing.
 */
export async function linkStep(step: LinkStep, ctx: RunContext): Promise<StepResult> {
  const peers = step.peers.map((i) => `p${i}`);
  const shape = shapeOf(step);
  if (!linkStepChanges(step, ctx.scenario)) return { detail: { ...shape, unchanged: true } };
  const network = networkOf(ctx, 'link');
  const results: NetworkFaultResult[] = [];
  if (step.setsShape) results.push(await network.link(peers, shape));
  if (step.reset) results.push(await network.reset(peers));
  const links = results.find((r) => r.links)?.links;
  const counts = Object.assign({}, ...results.map((r) => r.counts));
  const detail = { ...(step.setsShape ? shape : {}), reset: step.reset, ...(links ? { links } : {}), ...counts };
  ctx.recorder.emit({ type: 'fault', fault: 'link', peers, mechanism: results.map((r) => r.mechanism).join('; '), detail });
  return { detail };
}

/**
 * Runs a scenario once on a runtime: the steps in order, a sampler for memory and CPU,
 * every peer's events into the history, the machine's noise baseline before and after;
 * then metrics and SLOs. Every peer the run started is killed before it returns, whatever
 * happened (the runtime's own close() is the caller's second line of defence).
 * The report is written by `runRepeated` and `runScenario` (repeat.ts), for one run or many.
 */
import { availableParallelism } from 'node:os';
import { measureBaselineWindow, type BaselineWindow } from '../baseline/baseline.js';
import { computeMetrics } from '../metrics/collector.js';
import type { HistoryEvent } from '../metrics/events.js';
import type { Metrics } from '../metrics/types.js';
import type { Report } from '../report/types.js';
import type { WrittenReport } from '../report/write-report.js';
import type { Runtime, SimulationReport } from '../runtimes/runtime.js';
import { connectsOnDiscovery } from '../runtimes/settings-in-force.js';
import { evaluateSlos, type SloResult } from '../scenario/slo.js';
import type { Scenario } from '../scenario/types.js';
import { LabClock } from './clock.js';
import type { RunContext } from './context.js';
import { RunInterrupted, StepFailure } from './errors.js';
import { Fleet } from './fleet.js';
import { planFleet } from './fleet-plan.js';
import { gossipDelivered, recordGossipStats, recordVerifyCeiling, writesGroupMessages } from './gossip.js';
import { GossipLedger } from './gossip-ledger.js';
import { DeliveryLedger } from './ledger.js';
import { silentProgress, type Progress } from './progress.js';
import { Recorder } from './recorder.js';
import { LabRegistry } from './registry.js';
import { Sampler } from './sampler.js';
import { StepSchedule } from './schedule.js';
import { runStep } from './steps/index.js';
import { usesLinkFaults } from './steps/network.js';
import { assertRuntimeSupports } from './supported.js';
import { NetworkView } from './view.js';
import { orAbort, waitForChange } from './waiting.js';

/**
 * After the last step, how long messages still in flight get to arrive. A scenario that
 * must see everything delivered says so with `wait_for: delivered`; this only keeps the
 * sends of the last moments of a background load from counting as lost.
 */
export const DRAIN_MS = 5_000;

export interface RunOptions {
  runtime: Runtime;
  /** Reports go to `<outDir>/<scenario>/<stamp>/`. */
  outDir: string;
  progress?: Progress;
  /** Abort it (SIGINT) to stop the run; the report is still written. */
  signal?: AbortSignal;
  drainMs?: number;
  /** How long each baseline window lasts (before and after the run); BASELINE_WINDOW_MS by default. */
  baselineWindowMs?: number;
  /**
   * false: do not measure the machine before and after (two windows of about a second):
   * for many short simulated runs whose reports are never written (`lab explore`).
   */
  measureBaseline?: boolean;
}

/**
 * pass/fail: the product met / missed its SLOs or a wait_for timed out.
 * lab_error: the lab itself failed (a peer would not start). interrupted: a signal.
 */
export type RunStatus = 'pass' | 'fail' | 'lab_error' | 'interrupted';

/** How a run (or a repeat of runs) went, and where its report is. */
export interface RunOutcome {
  /** Over a repeat: an interrupt, else a lab error, else the aggregate's verdict. */
  status: RunStatus;
  report: Report;
  /** Each run's own status, in order. */
  runs: RunStatus[];
  /** Where the report went; undefined when writing it failed (see writeError). */
  files?: WrittenReport;
  /** What stopped the run early, if anything. */
  error?: Error;
  writeError?: Error;
}

/** One run, measured and judged, before any report is written. */
export interface RunRecord {
  /** Its index in a repeat (0 for a single run). */
  index: number;
  seed: number;
  status: RunStatus;
  /** What stopped the run early, if anything. */
  error?: Error;
  events: readonly HistoryEvent[];
  metrics: Metrics;
  slos: SloResult[];
  startedAt: Date;
  finishedAt: Date;
  /** The machine measured before the first step and after the last peer was gone. */
  baseline: { before: BaselineWindow; after: BaselineWindow };
  /** How the simulator made this run (its models, virtual and wall time); absent on real runtimes. */
  simulation?: SimulationReport;
}

/** Runs `scenario` once on `runtime` (run `index` of a repeat): everything but the report. */
export async function executeRun(scenario: Scenario, runtime: Runtime, options: Omit<RunOptions, 'runtime' | 'outDir'> & { index?: number }): Promise<RunRecord> {
  assertRuntimeSupports(scenario, runtime);
  const baselineOptions = options.baselineWindowMs === undefined ? {} : { windowMs: options.baselineWindowMs };
  const measure = options.measureBaseline === false ? () => Promise.resolve(unmeasuredWindow()) : () => measureBaselineWindow(baselineOptions);
  const before = await measure();
  const ctx = createContext(scenario, runtime, options);
  const sampler = new Sampler(ctx);
  const startedAt = new Date();
  ctx.progress.begin(scenario.name, scenario.steps.length, () => ({
    t: ctx.recorder.now(),
    peersUp: ctx.fleet.up().length,
    peersTotal: ctx.fleet.slots.length,
    sent: ctx.ledger.sentCount,
    delivered: ctx.ledger.deliveredCount,
  }));
  // The cores a run's peers share: what per-peer CPU percentages must add up within.
  ctx.recorder.emit({ type: 'host', cores: availableParallelism() });
  const gossip = writesGroupMessages(scenario);
  // Before any peer starts, so the peers do not share the cores with the measurement.
  if (gossip) recordVerifyCeiling(ctx);
  sampler.start();
  let error: Error | undefined;
  try {
    const registry = await LabRegistry.start(scenario, runtime);
    if (registry) ctx.registry = registry;
    for (const step of scenario.steps) await runStep(step, ctx);
    await finishLoads(ctx);
    // Whatever was sent in the last moments gets a bounded chance to arrive.
    await waitForChange(ctx.recorder, () => ctx.ledger.allDelivered && (!gossip || gossipDelivered(ctx)), options.drainMs ?? DRAIN_MS, ctx.signal);
  } catch (err) {
    error = err instanceof Error ? err : new Error(String(err));
    if (!(error instanceof StepFailure) && !(error instanceof RunInterrupted)) {
      ctx.recorder.emit({ type: 'error', message: `lab error: ${error.message}` });
    }
    await cutLoads(ctx).catch(() => undefined);
  } finally {
    sampler.stop();
    // Gossip counters for amplification and ingest, read while the peers still run.
    if (gossip && !ctx.signal.aborted) await recordGossipStats(ctx).catch(() => undefined);
    ctx.recorder.close();
    ctx.progress.end();
    await teardown(ctx);
  }
  const finishedAt = new Date();
  const after = await measure();

  const events = ctx.recorder.events;
  const metrics = computeMetrics(events);
  const slos = evaluateSlos(scenario.slos, metrics);
  const productFailed = metrics.timeline.steps.some((s) => s.failed) || slos.some((s) => !s.pass);
  const status: RunStatus =
    error instanceof RunInterrupted ? 'interrupted'
    : error && !(error instanceof StepFailure) ? 'lab_error'
    : productFailed ? 'fail' : 'pass';
  const record: RunRecord = { index: options.index ?? 0, seed: scenario.seed, status, events, metrics, slos, startedAt, finishedAt, baseline: { before, after } };
  if (error) record.error = error;
  const simulation = runtime.describeRun?.();
  if (simulation) record.simulation = simulation;
  return record;
}

/** A window not measured (measureBaseline: false), saying so. */
function unmeasuredWindow(): BaselineWindow {
  return { echoUs: [], loadAvg: [0, 0, 0], stealPercent: null, notes: ['the machine was not measured around this run'] };
}

function createContext(scenario: Scenario, runtime: Runtime, options: Pick<RunOptions, 'progress' | 'signal'>): RunContext {
  const ledger = new DeliveryLedger();
  const view = new NetworkView();
  const gossip = new GossipLedger();
  const clock = new LabClock(runtime.clock);
  const linkFaults = usesLinkFaults(scenario);
  return {
    scenario,
    runtime,
    recorder: new Recorder(clock, ledger, view, gossip),
    schedule: new StepSchedule(clock),
    ledger,
    gossip,
    view,
    fleet: new Fleet(),
    loads: new Set(),
    backgrounds: [],
    closers: [],
    signal: options.signal ?? new AbortController().signal,
    progress: options.progress ?? silentProgress,
    connectOnDiscovery: connectsOnDiscovery(scenario),
    linkFaults,
    plan: planFleet(scenario, linkFaults),
  };
}

/**
 * Lets background loads finish the schedule they planned: a run sends every message it
 * scheduled, also when its steps end first (churn's 40 s load outlasts its faults).
 */
async function finishLoads(ctx: RunContext): Promise<void> {
  await orAbort(Promise.all(ctx.backgrounds), ctx.signal);
}

/** The run failed or was interrupted: cuts loads still scheduling; their `end` events count what was never sent. */
async function cutLoads(ctx: RunContext): Promise<void> {
  for (const driver of ctx.loads) driver.stop();
  await Promise.all(ctx.backgrounds);
}

/** Kills every peer of the run (recording has stopped: this is not part of the run). */
async function teardown(ctx: RunContext): Promise<void> {
  await Promise.allSettled(
    ctx.fleet.slots.map(async (slot) => {
      slot.feed?.close();
      const peer = slot.peer;
      slot.state = 'down';
      slot.peer = undefined;
      if (peer) await peer.kill();
    }),
  );
  for (const close of ctx.closers.splice(0).reverse()) await close().catch((err: unknown) => process.stderr.write(`peerlab: cleaning up after the run: ${(err as Error).message}\n`));
  await ctx.registry?.close().catch(() => undefined);
}

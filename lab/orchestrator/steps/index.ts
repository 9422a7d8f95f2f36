/**
 * Runs one scenario step: records its `begin` event (the metrics read a load's rate from
 * its detail), calls the step's handler, records `end`, or `failed` with the reason.
 */
import type { StepEvent } from '../../metrics/events.js';
import type { Step, StepKind } from '../../scenario/types.js';
import type { RunContext } from '../context.js';
import { faultStep } from './faults.js';
import { loadControlStep, loadStep } from './load.js';
import { loginStep } from './login.js';
import { healStep, linkStep, partitionStep } from './network.js';
import { registryStep } from './registry.js';
import { sleepStep } from './sleep.js';
import { startStep } from './start.js';
import type { StepResult } from './step-result.js';
import { waitForStep } from './wait-for.js';

type Handler = (step: never, ctx: RunContext) => Promise<StepResult | void>;

const HANDLERS: Record<StepKind, Handler> = {
  start: startStep,
  join: startStep,
  login: loginStep,
  wait_for: waitForStep,
  load: loadStep,
  pause_load: loadControlStep,
  resume_load: loadControlStep,
  sleep: sleepStep,
  kill: faultStep,
  stop: faultStep,
  restart: faultStep,
  pause: faultStep,
  unpause: faultStep,
  // Refused before the run starts when the runtime cannot do them (see supported.ts);
  // otherwise done by the runtime's networkFaults.
  partition: partitionStep,
  heal: healStep,
  link: linkStep,
  registry: registryStep,
};

/** Runs `step`; throws (after recording `failed`) when it fails. */
export async function runStep(step: Step, ctx: RunContext): Promise<void> {
  const began = ctx.recorder.now();
  const label = step.label === undefined ? {} : { label: step.label };
  const event = (phase: StepEvent['phase'], detail?: unknown) =>
    ctx.recorder.emit({ type: 'step', index: step.index, name: step.kind, phase, ...label, ...withDetail(detail) });
  // The begin event says when the step was due, so a report can show how far it was off.
  ctx.recorder.emit({ type: 'step', index: step.index, name: step.kind, phase: 'begin', scheduledT: ctx.schedule.due, ...label, ...withDetail(beginDetail(step)) });
  ctx.progress.stepBegan(step);
  try {
    const result = (await (HANDLERS[step.kind] as (s: Step, c: RunContext) => Promise<StepResult | void>)(step, ctx)) ?? {};
    ctx.schedule.stepEnded(step);
    if (result.background) ctx.backgrounds.push(result.background);
    else event('end', result.detail);
    ctx.progress.stepEnded(step, { ms: ctx.recorder.now() - began, background: Boolean(result.background) });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    event('failed', message);
    ctx.progress.stepEnded(step, { ms: ctx.recorder.now() - began, failed: message });
    throw err;
  }
}

function withDetail(detail: unknown): { detail?: unknown } {
  return detail === undefined ? {} : { detail };
}

/** What a step's `begin` event says about it; for load, `rate` is what the metrics read. */
function beginDetail(step: Step): unknown {
  switch (step.kind) {
    case 'load':
      return { rate: step.rate, durationMs: step.durationMs, pattern: step.pattern, size: step.size, background: step.background, ...(step.pairs ? { pairs: step.pairs } : {}) };
    case 'wait_for':
      return { condition: step.condition, timeoutMs: step.timeoutMs };
    case 'start':
    case 'join':
      return { count: step.count };
    case 'login':
      return { users: step.users, spawner: step.spawner, pool: step.pool };
    case 'sleep':
      return { durationMs: step.durationMs };
    case 'kill':
    case 'stop':
    case 'restart':
    case 'pause':
    case 'unpause':
      return { peers: step.peers.map((p) => `p${p}`), pick: step.pick };
    case 'partition':
      return { groups: step.groups.map((g) => g.map((p) => `p${p}`)) };
    case 'link':
      return {
        peers: step.peers.map((p) => `p${p}`),
        ...(step.setsShape ? { delayMs: step.delayMs, jitterMs: step.jitterMs, loss: step.loss, bandwidthBps: step.bandwidthBps } : {}),
        reset: step.reset,
      };
    case 'registry':
      return { action: step.action };
    default:
      return undefined;
  }
}

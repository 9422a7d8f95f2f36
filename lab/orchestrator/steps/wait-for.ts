import { gossipNeighbours } from '../../runtimes/settings-in-force.js';
import { formatDuration } from '../../scenario/duration.js';
import { LabError } from '../../runtimes/errors.js';
import type { WaitCondition, WaitForStep } from '../../scenario/types.js';
import type { RunContext } from '../context.js';
import { StepFailure } from '../errors.js';
import { gossipDeliveredCondition } from '../gossip.js';
import { waitForChange } from '../waiting.js';
import type { PeerSlot } from '../fleet.js';
import { GapScan } from './gap-scan.js';

/** A condition's check, and what is still missing when it does not hold. */
interface Condition {
  holds(): boolean;
  missing(): string;
}

/**
 * `wait_for`: waits, event by event, until the condition holds; a timeout fails the step
 * and the run (a product failure: exit 1), naming what was still missing.
 */
export async function waitForStep(step: WaitForStep, ctx: RunContext): Promise<{ detail: unknown }> {
  const make = CONDITIONS[step.condition as keyof typeof CONDITIONS] as ((ctx: RunContext) => Condition) | undefined;
  // supported.ts refuses other conditions before the run starts; this is the backstop.
  if (!make) throw new LabError(`wait_for ${step.condition} is not supported by the orchestrator yet`);
  const condition = make(ctx);
  const began = ctx.recorder.now();
  const met = await waitForChange(ctx.recorder, () => condition.holds(), step.timeoutMs, ctx.signal);
  if (!met) throw new StepFailure(`${step.condition} not reached within ${formatDuration(step.timeoutMs)}: ${condition.missing()}`);
  return { detail: { condition: step.condition, waited_ms: Math.round(ctx.recorder.now() - began) } };
}

/** The conditions this orchestrator can wait for (see SUPPORTED_CONDITIONS). */
const CONDITIONS: Record<WaitCondition, (ctx: RunContext) => Condition> = {
  /** Every running peer sees every other running peer. */
  discovered: (ctx) => pairwise(ctx, (a, b) => ctx.view.sees(a, b), 'does not see'),
  /**
   * Every running peer has its gossip neighbours: sessions with as many running peers as
   * its view holds (gossip.neighbours), or all of them in a fleet smaller than that; not
   * a full mesh, which peers no longer keep.
   */
  sessions: (ctx) => neighbourSessions(ctx),
  /** Every message sent so far has been delivered, and no Send call is in flight. */
  delivered: (ctx) => ({
    holds: () => ctx.ledger.allDelivered,
    missing: () => {
      const some = ctx.ledger.somePending(3).map((m) => `${m.id.slice(0, 8)} ${m.from}→${m.to}`);
      const inFlight = ctx.ledger.inFlightCount ? `, ${ctx.ledger.inFlightCount} Send calls still in flight` : '';
      return `${ctx.ledger.pendingCount} of ${ctx.ledger.sentCount} messages not delivered${some.length ? ` (e.g. ${some.join(', ')})` : ''}${inFlight}`;
    },
  }),
  /** Every group message written so far is shown by every running peer, and no Say call is in flight. */
  gossip_delivered: gossipDeliveredCondition,
};

/** The `wait_for` conditions the orchestrator implements. */
export const SUPPORTED_CONDITIONS: readonly WaitCondition[] = Object.keys(CONDITIONS) as WaitCondition[];

function neighbourSessions(ctx: RunContext): Condition {
  const k = gossipNeighbours(ctx.scenario.peer);
  /** How many running peers `a` has a session with, counting no further than `enough`. */
  const sessionsWith = (a: PeerSlot, enough: number): number => {
    let have = 0;
    for (const other of ctx.view.sessionsOf(a.name)) if (ctx.fleet.byName(other)?.state === 'up' && ++have >= enough) break;
    return have;
  };
  let up: PeerSlot[] = [];
  const want = () => Math.min(k, up.length - 1);
  const scan = new GapScan(
    () => (up = ctx.fleet.up()).length,
    (i) => up[i]!.state === 'up' && sessionsWith(up[i]!, want()) < want(),
  );
  const short = (): string[] => {
    const all = ctx.fleet.up();
    const wanted = Math.min(k, all.length - 1);
    return all.flatMap((a) => {
      const have = sessionsWith(a, all.length);
      return have >= wanted ? [] : [`${a.name} has ${have} of ${wanted}`];
    });
  };
  return {
    holds: () => scan.clear(),
    missing: () => {
      const all = short();
      return `${all.length} peers short of sessions (${all.slice(0, 5).join('; ')}${all.length > 5 ? '; ...' : ''})`;
    },
  };
}

function pairwise(ctx: RunContext, ok: (peer: string, other: string) => boolean, verb: string): Condition {
  let up: PeerSlot[] = [];
  const scan = new GapScan(
    () => (up = ctx.fleet.up()).length ** 2,
    (i) => {
      const a = up[Math.floor(i / up.length)]!;
      const b = up[i % up.length]!;
      return a !== b && a.state === 'up' && b.state === 'up' && !ok(a.name, b.name);
    },
  );
  const gaps = (): string[] => {
    const names = ctx.fleet.up().map((s) => s.name);
    return names.flatMap((a) => names.flatMap((b) => (a === b || ok(a, b) ? [] : [`${a} ${verb} ${b}`])));
  };
  return {
    holds: () => scan.clear(),
    missing: () => {
      const all = gaps();
      return `${all.length} pairs missing (${all.slice(0, 5).join('; ')}${all.length > 5 ? '; ...' : ''})`;
    },
  };
}

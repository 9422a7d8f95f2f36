/**
 * Where `lab explore` puts its faults (during the scenario's first load) and which peers
 * are up there and at the end, read from the scenario's resolved steps with the same
 * Roster the parser uses.
 */
import { Fields } from '../scenario/fields.js';
import { Roster } from '../scenario/roster.js';
import { ScenarioError } from '../scenario/errors.js';
import type { Scenario, Step } from '../scenario/types.js';
import type { FaultWindow } from './faults.js';

/** The fault window of `scenario`: its first load step. A scenario without load has nothing to check. */
export function faultWindow(scenario: Scenario): FaultWindow {
  const load = scenario.steps.find((s) => s.kind === 'load');
  if (!load || load.kind !== 'load') {
    throw new ScenarioError(scenario.file, 'steps', 'lab explore needs a load step: faults are injected while it sends, and what it sent is checked');
  }
  const roster = rosterAfter(scenario.steps.slice(0, load.index));
  return { loadIndex: load.index, durationMs: load.durationMs, fleet: roster.size, up: roster.indexesIn(['up']) };
}

/** The peers down and paused after every step of `steps`. */
export function endStates(steps: readonly Step[]): { down: number[]; paused: number[] } {
  const roster = rosterAfter(steps);
  return { down: roster.indexesIn(['down']), paused: roster.indexesIn(['paused']) };
}

/** The peers' states after `steps` (already resolved: no random picks left to make). */
function rosterAfter(steps: readonly Step[]): Roster {
  const roster = new Roster(new Fields('(resolved steps)'), () => 0);
  for (const step of steps) {
    if (step.kind === 'start' || step.kind === 'join') roster.add(step.count);
    else if (step.kind === 'login') roster.add(step.users);
    else if ('peers' in step && step.kind !== 'link') roster.apply(step.kind, step.peers);
  }
  return roster;
}

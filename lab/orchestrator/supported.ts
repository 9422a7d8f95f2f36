import type { Runtime } from '../runtimes/runtime.js';
import { ScenarioError } from '../scenario/errors.js';
import type { Scenario } from '../scenario/types.js';
import { SUPPORTED_PATTERNS } from './load-driver.js';
import { SUPPORTED_CONDITIONS } from './steps/wait-for.js';

/**
 * Refuses, before anything starts, a scenario with a step the runtime cannot perform
 * (the process runtime cannot partition), or a load pattern or wait condition the
 * orchestrator does not drive yet: a usage error that names the file and step.
 */
export function assertRuntimeSupports(scenario: Scenario, runtime: Runtime): void {
  for (const step of scenario.steps) {
    const at = `steps[${step.index}].${step.kind}`;
    const reason = runtime.unsupported(step.kind);
    if (reason) throw new ScenarioError(scenario.file, at, `not possible with --runtime ${runtime.name}: ${reason}`);
    if (step.kind === 'load' && !SUPPORTED_PATTERNS.includes(step.pattern)) {
      throw new ScenarioError(scenario.file, `${at}.pattern`, `the orchestrator cannot drive pattern ${step.pattern} yet; patterns: ${SUPPORTED_PATTERNS.join(', ')}`);
    }
    if (step.kind === 'wait_for' && !SUPPORTED_CONDITIONS.includes(step.condition)) {
      throw new ScenarioError(scenario.file, `${at}.condition`, `the orchestrator cannot wait for ${step.condition} yet; conditions: ${SUPPORTED_CONDITIONS.join(', ')}`);
    }
  }
}

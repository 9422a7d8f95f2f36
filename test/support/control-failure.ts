/** Asserting that a control API call was refused. */
import { expect } from 'vitest';
import { ControlError } from '../../peer/control/control-client.js';

/** The ControlError a call failed with; fails the test if it succeeded. */
export async function failure(call: Promise<unknown>): Promise<ControlError> {
  const outcome = await call.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) throw new Error(`expected the call to fail, it returned ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(ControlError);
  return outcome.error as ControlError;
}

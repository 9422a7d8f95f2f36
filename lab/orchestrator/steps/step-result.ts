/** What a step handler hands back to the step runner. */
export interface StepResult {
  /** Goes into the step's `end` event. */
  detail?: unknown;
  /**
   * Set when the step goes on after the handler returns (a background load); it records
   * its own `end` event when this settles.
   */
  background?: Promise<void>;
}

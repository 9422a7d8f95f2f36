/**
 * The lab itself failed, not the product: a peer would not start, the CLI is not
 * built, a port was taken, Docker is down. The CLI maps it to exit code 3, so CI can
 * tell a broken lab from a failing peer.
 */
export class LabError extends Error {
  override readonly name = 'LabError';
  /** Exit code for an infrastructure error. */
  readonly exitCode = 3;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A command-line value is wrong (an unknown runtime, a --set without `=`): exit 64. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = 64;
}

/**
 * Resolves once `predicate` holds, polling every few ms; rejects after `timeoutMs`
 * with `what` and, when given, `detail()` (say, the counters) in the message.
 */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what = 'condition',
  detail?: () => unknown,
  /** Time between polls; raise it when the predicate itself is a remote call. */
  intervalMs = 5,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() >= deadline) {
      const extra = detail ? `; ${JSON.stringify(detail())}` : '';
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${extra}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

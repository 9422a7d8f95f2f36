import { abortReason } from './errors.js';
import type { LabClock } from './clock.js';
import type { Recorder } from './recorder.js';

/** What a wait is timed by: the run's clock (virtual on the simulator). */
type Timer = Pick<LabClock, 'after'>;

/**
 * Resolves true as soon as `check()` holds, re-checking after every recorded change;
 * false when `timeoutMs` passes first (on the run's clock). Rejects when the run is aborted.
 */
export function waitForChange(recorder: Recorder, check: () => boolean, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  if (check()) return Promise.resolve(true);
  return new Promise((resolve, reject) => {
    const finish = (result: boolean | Error) => {
      cancel();
      unsubscribe();
      signal.removeEventListener('abort', onAbort);
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const onAbort = () => finish(abortReason(signal));
    const cancel = recorder.clock.after(timeoutMs, () => finish(check()));
    const unsubscribe = recorder.onChange(() => {
      if (!check()) return;
      finish(true);
      // Told by a peer's event (synchronously, from inside the runtime): a simulated
      // run lets this continuation run before virtual time moves on.
      recorder.clock.settled();
    });
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Waits `ms` on `clock`, or rejects when the run is aborted. */
export function delay(ms: number, signal: AbortSignal, clock: Timer): Promise<void> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      cancel();
      reject(abortReason(signal));
    };
    const cancel = clock.after(ms, () => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Rejects with `message` if `promise` has not settled within `ms` on `clock`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, message: string, clock: Timer): Promise<T> {
  let cancel = () => {};
  const timeout = new Promise<never>((_, reject) => {
    cancel = clock.after(ms, () => reject(new Error(message)));
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    cancel();
  }
}

/** Settles like `promise`, or rejects as soon as the run is aborted. */
export function orAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

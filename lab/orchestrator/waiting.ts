import { setTimeout as sleep } from 'node:timers/promises';
import { abortReason } from './errors.js';
import type { Recorder } from './recorder.js';

/**
 * Resolves true as soon as `check()` holds, re-checking after every recorded change;
 * false when `timeoutMs` passes first. Rejects when the run is aborted.
 */
export function waitForChange(recorder: Recorder, check: () => boolean, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  if (check()) return Promise.resolve(true);
  return new Promise((resolve, reject) => {
    const finish = (result: boolean | Error) => {
      clearTimeout(timer);
      unsubscribe();
      signal.removeEventListener('abort', onAbort);
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const onAbort = () => finish(abortReason(signal));
    const timer = setTimeout(() => finish(check()), timeoutMs);
    const unsubscribe = recorder.onChange(() => {
      if (check()) finish(true);
    });
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Waits `ms`, or rejects when the run is aborted. */
export async function delay(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    throw abortReason(signal);
  }
}

/** Rejects with `message` if `promise` has not settled within `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
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

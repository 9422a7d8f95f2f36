import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';

describe('Backoff (virtual time)', () => {
  it('grows the wait with each failure, within the cap, and resets on success', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 1000 }, () => 1); // worst-case jitter
    expect(backoff.mayTry('p', 0)).toBe(true);
    expect(backoff.failed('p', 0)).toBe(100);
    expect(backoff.mayTry('p', 99)).toBe(false);
    expect(backoff.mayTry('p', 100)).toBe(true);
    expect(backoff.failed('p', 100)).toBe(300);
    expect(backoff.failed('p', 300)).toBe(700);
    expect(backoff.failed('p', 700)).toBe(1500);
    expect(backoff.failed('p', 1500)).toBe(2500); // capped at 1000
    backoff.succeeded('p');
    expect(backoff.mayTry('p', 1500)).toBe(true);
    expect(backoff.failed('p', 2000)).toBe(2100);
  });

  it('never waits less than half the initial delay, whatever the jitter', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 1000 }, () => 0);
    expect(backoff.failed('p', 0)).toBe(50);
  });
});

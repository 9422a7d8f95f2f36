import { describe, expect, it } from 'vitest';
import { compareHlc, HybridClock } from './hlc.js';
import { SeenCache } from './seen-cache.js';

describe('HybridClock', () => {
  it('never goes backwards, even when the wall clock does', () => {
    const clock = new HybridClock();
    const a = clock.tick(1000);
    const b = clock.tick(900);
    const c = clock.tick(1000);
    expect(compareHlc(a, b)).toBeLessThan(0);
    expect(compareHlc(b, c)).toBeLessThan(0);
    expect(b).toEqual({ wallMs: 1000, logical: 1 });
  });

  it('orders a local event after a received one, even from a clock running ahead', () => {
    const clock = new HybridClock();
    const remote = { wallMs: 5000, logical: 3 };
    clock.observe(remote, 1000);
    const reply = clock.tick(1001);
    expect(compareHlc(remote, reply)).toBeLessThan(0);
    expect(reply).toEqual({ wallMs: 5000, logical: 5 });
  });
});

describe('SeenCache', () => {
  it('forgets by age and by size', () => {
    const cache = new SeenCache(2, 100);
    expect(cache.add('a', 0)).toBe(true);
    expect(cache.add('a', 10)).toBe(false);
    expect(cache.has('a', 99)).toBe(true);
    expect(cache.has('a', 100)).toBe(false);
    cache.add('b', 200);
    cache.add('c', 201);
    cache.add('d', 202);
    expect(cache.has('b', 202)).toBe(false);
    expect(cache.has('d', 202)).toBe(true);
    expect(cache.size).toBe(2);
  });
});

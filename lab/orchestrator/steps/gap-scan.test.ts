import { describe, expect, it } from 'vitest';
import { GapScan } from './gap-scan.js';

/** A GapScan over `gaps` (true: that item fails), counting the checks it makes. */
function over(gaps: boolean[]): { scan: GapScan; checks: () => number } {
  let checks = 0;
  const scan = new GapScan(
    () => gaps.length,
    (i) => (checks++, gaps[i]!),
  );
  return { scan, checks: () => checks };
}

describe('GapScan', () => {
  it('is clear only when no item fails; closing gaps one by one costs a few checks per call, not a pass per call', () => {
    const gaps = Array.from({ length: 1000 }, () => true);
    const { scan, checks } = over(gaps);
    for (let i = 0; i < gaps.length; i++) {
      expect(scan.clear()).toBe(false);
      gaps[i] = false;
      // Asked again with nothing changed: only the last gap is looked at.
      expect(scan.clear()).toBe(i === gaps.length - 1);
    }
    // 2,000 calls over 1,000 items: a pass per call would be a million checks.
    expect(checks()).toBeLessThanOrEqual(2 * gaps.length + 2 * 2 * gaps.length);
  });

  it('finds an item that failed again behind the scan (a peer restarted) before saying clear', () => {
    const gaps = [true, true, true, true];
    const { scan } = over(gaps);
    expect(scan.clear()).toBe(false);
    gaps[0] = gaps[1] = false;
    expect(scan.clear()).toBe(false);
    gaps[0] = true;
    gaps[2] = gaps[3] = false;
    expect(scan.clear()).toBe(false);
    gaps[0] = false;
    expect(scan.clear()).toBe(true);
  });

  it('takes a fresh snapshot for the final pass: an item added meanwhile counts', () => {
    const gaps = [false, false];
    const { scan } = over(gaps);
    expect(scan.clear()).toBe(true);
    gaps.push(true);
    expect(scan.clear()).toBe(false);
    gaps[2] = false;
    expect(scan.clear()).toBe(true);
  });
});

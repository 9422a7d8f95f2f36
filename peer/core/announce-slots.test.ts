import { describe, expect, it } from 'vitest';
import { AnnounceSlots, slotFor } from './announce-slots.js';
import { chainStep } from '../discovery/hash-chain.js';
import { randomBytes } from 'node:crypto';

describe('slotFor', () => {
  const WINDOW = 30_000;

  it('an interval under a second is its own slot; the LAN default is one second', () => {
    expect(slotFor(200, WINDOW, 0)).toBe(200);
    expect(slotFor(1000, WINDOW, 0)).toBe(1000);
    expect(slotFor(1500, WINDOW, 0)).toBe(1000);
  });

  it('grows by powers of two with the interval, up to half the freshness window', () => {
    expect(slotFor(2000, WINDOW, 1000)).toBe(2000);
    expect(slotFor(5_600, WINDOW, 1000)).toBe(4000);
    expect(slotFor(55_600, WINDOW, 1000)).toBe(8000);
    expect(slotFor(55_600, 120_000, 1000)).toBe(32_000);
    // A window of 1 s: a slot of half a second, whatever the interval.
    expect(slotFor(10_000, 1000, 1000)).toBe(500);
  });

  it('does not shrink while the interval still fits the slot, and shrinks when it does not', () => {
    // 4 s slot, the interval falls from 7 s to 5 s: no new chain.
    expect(slotFor(5_000, WINDOW, 4000)).toBe(4000);
    // Under the slot: announcements would run ahead of the clock.
    expect(slotFor(3_000, WINDOW, 4000)).toBe(2000);
    // A smaller window than the slot was chosen for.
    expect(slotFor(60_000, 10_000, 8000)).toBe(4000);
  });
});

describe('AnnounceSlots', () => {
  it('a new slot length starts a new chain whose seq and time go on rising', () => {
    const slots = new AnnounceSlots(1000, randomBytes, chainStep);
    const t0 = 1_767_225_600_000;
    const first = slots.next(t0);
    const second = slots.next(t0 + 1000);
    expect(second.chain.slot).toBe(1);
    expect(second.seq).toBe(first.seq + 1);
    slots.setSlotMs(4000);
    const third = slots.next(t0 + 2000);
    expect(third.chain).toMatchObject({ slotMs: 4000, slot: 0, startMs: t0 + 2000 });
    expect(third.chain.element).not.toEqual(second.chain.element);
    expect(third.seq).toBeGreaterThan(second.seq);
    expect(third.sentAtMs).toBe(t0 + 2000);
    const fourth = slots.next(t0 + 6000);
    expect(fourth.chain.slot).toBe(1);
    expect(fourth.sentAtMs).toBe(t0 + 6000);
    // The same length again changes nothing.
    slots.setSlotMs(4000);
    expect(slots.next(t0 + 10_000).chain.slot).toBe(2);
  });
});

import { describe, expect, it } from 'vitest';
import { isFresh } from './freshness.js';

const NOW = 1_700_000_000_000;
const WINDOW = 30_000;

describe('isFresh', () => {
  it('accepts an announcement sent up to the window before or after our wall clock, the edges included', () => {
    expect(isFresh(NOW, NOW, WINDOW)).toBe(true);
    expect(isFresh(NOW - WINDOW, NOW, WINDOW)).toBe(true);
    expect(isFresh(NOW + WINDOW, NOW, WINDOW)).toBe(true);
  });

  it('refuses one sent more than the window before (a replay) or after (a clock ahead)', () => {
    expect(isFresh(NOW - WINDOW - 1, NOW, WINDOW)).toBe(false);
    expect(isFresh(NOW + WINDOW + 1, NOW, WINDOW)).toBe(false);
  });

  it('refuses one without sent_at_ms (0, as a sender that predates it encodes it)', () => {
    expect(isFresh(0, NOW, WINDOW)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { LIMITS, LimitError, overLimitMessage, quote, statusDetails, truncate } from './limits.js';

describe('quote', () => {
  it('shows a short value whole, JSON-quoted', () => {
    expect(quote('alice')).toBe('"alice"');
    expect(quote('a\nb')).toBe('"a\\nb"');
  });

  it(`cuts a long value to ${LIMITS.quotedChars} characters and gives its full size`, () => {
    const quoted = quote('x'.repeat(100_000));
    expect(quoted).toBe(`"${'x'.repeat(LIMITS.quotedChars)}"… (100000 bytes)`);
  });

  it('never splits a surrogate pair', () => {
    const quoted = quote(`${'x'.repeat(LIMITS.quotedChars - 1)}😀tail`);
    expect(quoted).toBe(`"${'x'.repeat(LIMITS.quotedChars - 1)}"… (${LIMITS.quotedChars - 1 + 4 + 4} bytes)`);
  });

  it('cuts values that are not strings as their JSON', () => {
    expect(quote(42)).toBe('42');
    expect(quote(undefined)).toBe('undefined');
    expect(quote(['y'.repeat(500)]).length).toBe(LIMITS.quotedChars + 1);
  });
});

describe('errors that name a value', () => {
  it('LimitError quotes at most the cut value', () => {
    const error = new LimitError('The name', 100_000, 64, 'bytes', 'n'.repeat(100_000));
    expect(error.message).toBe(`The name is 100000 bytes, over the limit of 64: ${quote('n'.repeat(100_000))}`);
    expect(error.message.length).toBeLessThan(200);
  });

  it('overLimitMessage without a value names only the sizes', () => {
    expect(overLimitMessage('to', 70, 64)).toBe('to is 70 bytes, over the limit of 64');
  });
});

describe('statusDetails', () => {
  it('keeps a message that fits a header and cuts one that does not', () => {
    expect(statusDetails('short')).toBe('short');
    expect(statusDetails('m'.repeat(50_000))).toBe(`${'m'.repeat(LIMITS.statusDetailsChars)}…`);
  });

  it('truncate leaves short text alone', () => {
    expect(truncate('abc', 5)).toBe('abc');
  });
});

import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { crossOriginProblem, csrfToken, csrfTokenValid } from './csrf.js';

const key = randomBytes(32);

function request(headers: Record<string, string>): IncomingMessage {
  return { headers } as unknown as IncomingMessage;
}

describe('CSRF token', () => {
  it('is tied to the session and the key', () => {
    const token = csrfToken(key, 'sid-a');
    expect(csrfTokenValid(key, 'sid-a', token)).toBe(true);
    expect(csrfTokenValid(key, 'sid-b', token)).toBe(false);
    expect(csrfTokenValid(randomBytes(32), 'sid-a', token)).toBe(false);
    for (const bad of [undefined, null, '', 42, ['x'], token.slice(1), `${token}x`, 'x'.repeat(1000)]) {
      expect(csrfTokenValid(key, 'sid-a', bad)).toBe(false);
    }
  });
});

describe('same-origin check', () => {
  const host = '127.0.0.1:8080';
  it('accepts the own origin, and scripts that send neither Origin nor Sec-Fetch-Site', () => {
    expect(crossOriginProblem(request({ host, origin: 'http://127.0.0.1:8080' }), false)).toBeUndefined();
    expect(crossOriginProblem(request({ host, 'sec-fetch-site': 'same-origin' }), false)).toBeUndefined();
    expect(crossOriginProblem(request({ host }), false)).toBeUndefined();
    expect(crossOriginProblem(request({ host, origin: 'https://127.0.0.1:8080' }), true)).toBeUndefined();
  });

  it.each([
    ['another host', { origin: 'http://evil.example' }],
    ['another port', { origin: 'http://127.0.0.1:8081' }],
    ['another scheme', { origin: 'https://127.0.0.1:8080' }],
    ['Origin null', { origin: 'null' }],
    ['a cross-site fetch without Origin', { 'sec-fetch-site': 'cross-site' }],
    ['a same-site fetch without Origin', { 'sec-fetch-site': 'same-site' }],
  ])('refuses %s', (_name, headers) => {
    expect(crossOriginProblem(request({ host, ...headers }), false)).toMatch(/./);
  });

  it('refuses a request without a usable Host', () => {
    expect(crossOriginProblem(request({ origin: 'http://127.0.0.1:8080' }), false)).toMatch(/Host/);
    expect(crossOriginProblem(request({ host: 'a b', origin: 'http://a b' }), false)).toMatch(/Host/);
  });
});

import { describe, expect, it } from 'vitest';
import { ConnectionAdmission } from './connection-admission.js';

const options = { perAddress: 2, timeoutMs: 1000 };

describe('ConnectionAdmission (virtual time)', () => {
  it('refuses a connection over its address cap at once, not one from another address', () => {
    const admission = new ConnectionAdmission(options);
    expect(admission.open('a:1', 'a', 0)).toBe(true);
    expect(admission.open('a:2', 'a', 0)).toBe(true);
    expect(admission.open('a:3', 'a', 0)).toBe(false);
    expect(admission.open('b:1', 'b', 0)).toBe(true);
    expect(admission.size).toBe(3);
    admission.closed('a:1');
    expect(admission.open('a:4', 'a', 0)).toBe(true);
  });

  it('closes a connection that proves nothing within the timeout, each once, in order', () => {
    const admission = new ConnectionAdmission(options);
    admission.open('a:1', 'a', 0);
    admission.open('b:1', 'b', 500);
    expect(admission.nextDeadline()).toBe(1000);
    expect(admission.expired(999)).toEqual([]);
    expect(admission.expired(1000)).toEqual(['a:1']);
    expect(admission.expired(1000)).toEqual([]);
    expect(admission.nextDeadline()).toBe(1500);
    expect(admission.expired(2000)).toEqual(['b:1']);
    expect(admission.nextDeadline()).toBeUndefined();
    // Still counted until the socket is actually gone.
    expect(admission.unproven).toBe(2);
    admission.closed('a:1');
    admission.closed('b:1');
    expect(admission.unproven).toBe(0);
  });

  it('gives a connection another timeout for each completed Handshake or Exchange', () => {
    const admission = new ConnectionAdmission(options);
    admission.open('seed:1', 'seed', 0);
    admission.progressed('seed:1', 900);
    expect(admission.expired(1500)).toEqual([]);
    expect(admission.expired(1900)).toEqual(['seed:1']);
  });

  it('neither counts nor times out a connection while it carries a session', () => {
    const admission = new ConnectionAdmission(options);
    admission.open('a:1', 'a', 0);
    admission.sessionOpened('a:1');
    expect(admission.unproven).toBe(0);
    expect(admission.open('a:2', 'a', 0)).toBe(true);
    expect(admission.open('a:3', 'a', 0)).toBe(true);
    expect(admission.expired(10_000)).toEqual(['a:2', 'a:3']);
    // Its session ends: it is unproven again, with a fresh timeout.
    admission.sessionClosed('a:1', 20_000);
    expect(admission.unproven).toBe(3);
    expect(admission.expired(20_999)).toEqual([]);
    expect(admission.expired(21_000)).toEqual(['a:1']);
  });

  it('counts sessions on one connection, and ignores news of connections it does not know', () => {
    const admission = new ConnectionAdmission(options);
    admission.open('a:1', 'a', 0);
    admission.sessionOpened('a:1');
    admission.sessionOpened('a:1');
    admission.sessionClosed('a:1', 5);
    expect(admission.unproven).toBe(0);
    admission.sessionClosed('a:1', 5);
    expect(admission.unproven).toBe(1);
    admission.sessionOpened('nobody:1');
    admission.sessionClosed('nobody:1', 0);
    admission.progressed('nobody:1', 0);
    admission.closed('nobody:1');
    expect(admission.size).toBe(1);
  });
});

import { describe, expect, it } from 'vitest';
import { PendingHandshakes } from './pending-handshakes.js';

const caps = { total: 10, perAddress: 4, perId: 2, ttlMs: 1000 };

describe('PendingHandshakes (virtual time)', () => {
  it('refuses an address over its cap while other addresses still get in', () => {
    const pending = new PendingHandshakes<string>(caps);
    for (let i = 0; i < 4; i++) expect(pending.add(`k${i}`, `id${i}`, '10.0.0.2', 'v', 0)).toEqual({ admitted: true, replaced: false });
    const refused = pending.add('k4', 'id4', '10.0.0.2', 'v', 0);
    expect(refused).toMatchObject({ admitted: false, reason: 'per_address_cap' });
    expect(!refused.admitted && refused.message).toMatch(/from 10\.0\.0\.2 \(the cap is 4 per address\)/);
    expect(pending.add('k5', 'id5', '10.0.0.1', 'v', 0)).toMatchObject({ admitted: true });
    expect(pending.size).toBe(5);
  });

  it('says which cap would refuse before any work is done, without taking a place', () => {
    const pending = new PendingHandshakes<string>({ ...caps, total: 5, perId: 1 });
    for (let i = 0; i < 4; i++) pending.add(`k${i}`, `id${i}`, '10.0.0.2', 'v', 0);
    expect(pending.refusal('idx', '10.0.0.2', 0)).toBe('per_address_cap');
    expect(pending.refusal('idx', '10.0.0.3', 0)).toBeUndefined();
    expect(pending.size).toBe(4);
    pending.add('k4', 'id4', '10.0.0.3', 'v', 0);
    expect(pending.refusal('idy', '10.0.0.4', 0)).toBe('global_cap');
    // An id at its own cap is not refused for the table being full: its oldest makes room.
    expect(pending.refusal('id4', '10.0.0.4', 0)).toBeUndefined();
    expect(pending.add('k5', 'id4', '10.0.0.4', 'v', 0)).toEqual({ admitted: true, replaced: true });
    expect(pending.size).toBe(5);
    expect(pending.refusalMessage('global_cap', '10.0.0.4')).toBe('too many handshakes in progress (the cap is 5); try again in a few seconds');
  });

  it('keeps the global cap over all addresses', () => {
    const pending = new PendingHandshakes<string>(caps);
    for (let i = 0; i < 10; i++) expect(pending.add(`k${i}`, `id${i}`, `10.0.0.${i}`, 'v', 0).admitted).toBe(true);
    const refused = pending.add('k10', 'id10', '10.0.1.1', 'v', 0);
    expect(refused).toMatchObject({ admitted: false, reason: 'global_cap' });
    expect(!refused.admitted && refused.message).toMatch(/the cap is 10/);
  });

  it('makes an id over its cap give up its oldest entry, even when the table is full', () => {
    const pending = new PendingHandshakes<string>({ ...caps, total: 3 });
    pending.add('a1', 'alice', '10.0.0.1', 'first', 0);
    pending.add('a2', 'alice', '10.0.0.2', 'second', 1);
    pending.add('b1', 'bob', '10.0.0.3', 'bob', 2);
    expect(pending.add('a3', 'alice', '10.0.0.4', 'third', 3)).toEqual({ admitted: true, replaced: true });
    expect(pending.size).toBe(3);
    expect(pending.take('a1', 3)).toBeUndefined();
    expect(pending.take('a2', 3)).toBe('second');
    expect(pending.take('a3', 3)).toBe('third');
  });

  it('gives each entry once, and none after it expired', () => {
    const pending = new PendingHandshakes<string>(caps);
    pending.add('k', 'id', '10.0.0.1', 'v', 0);
    expect(pending.take('k', 1000)).toBe('v');
    expect(pending.take('k', 1000)).toBeUndefined();
    pending.add('old', 'id', '10.0.0.1', 'v', 0);
    expect(pending.take('old', 1001)).toBeUndefined();
  });

  it('frees an address and an id as their entries expire or are taken', () => {
    const pending = new PendingHandshakes<string>(caps);
    for (let i = 0; i < 4; i++) pending.add(`k${i}`, `id${i}`, '10.0.0.2', 'v', i * 100);
    expect(pending.add('late', 'idx', '10.0.0.2', 'v', 1000).admitted).toBe(false);
    // At 1001 the first entry (added at 0) has expired; the rest have not.
    expect(pending.add('late', 'idx', '10.0.0.2', 'v', 1001).admitted).toBe(true);
    expect(pending.size).toBe(4);
    pending.take('k1', 1001);
    expect(pending.add('later', 'idy', '10.0.0.2', 'v', 1001).admitted).toBe(true);
    pending.prune(5000);
    expect(pending.size).toBe(0);
    for (let i = 0; i < 4; i++) expect(pending.add(`n${i}`, 'same', `10.0.1.${i}`, 'v', 5000).admitted).toBe(true);
    expect(pending.size).toBe(2);
  });
});

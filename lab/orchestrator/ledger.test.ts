import { describe, expect, it } from 'vitest';
import { DeliveryLedger } from './ledger.js';

const send = (id: string, from = 'p0', to = 'p1') => ({ t: 1, type: 'send' as const, id, from, to, scheduledT: 0, size: 1 });
const deliver = (id: string, from = 'p0', to = 'p1') => ({ t: 2, type: 'deliver' as const, id, from, to });

describe('DeliveryLedger', () => {
  it('is all delivered only when every send has a deliver and no Send call is in flight', () => {
    const ledger = new DeliveryLedger();
    expect(ledger.allDelivered).toBe(true);
    ledger.beginSend('p0');
    expect(ledger.allDelivered).toBe(false);
    ledger.onSend(send('a'));
    ledger.endSend('p0');
    expect(ledger.allDelivered).toBe(false);
    expect(ledger.pendingTo('p1')).toEqual([{ id: 'a', from: 'p0', to: 'p1' }]);
    ledger.onDeliver(deliver('a'));
    expect(ledger.allDelivered).toBe(true);
    expect([ledger.sentCount, ledger.deliveredCount]).toEqual([1, 1]);
  });

  it('accepts a deliver that arrives before its send (the streams race)', () => {
    const ledger = new DeliveryLedger();
    ledger.onDeliver(deliver('b'));
    ledger.onSend(send('b'));
    expect(ledger.allDelivered).toBe(true);
    expect(ledger.isDelivered('b')).toBe(true);
  });

  it('counts a duplicate deliver once and tracks Send calls per sender', () => {
    const ledger = new DeliveryLedger();
    ledger.onSend(send('c'));
    ledger.onDeliver(deliver('c'));
    ledger.onDeliver(deliver('c'));
    expect(ledger.deliveredCount).toBe(1);
    ledger.beginSend('p2');
    ledger.beginSend('p2');
    ledger.endSend('p2');
    expect([ledger.inFlightFrom('p2'), ledger.inFlightFrom('p0'), ledger.inFlightCount]).toEqual([1, 0, 1]);
  });
});

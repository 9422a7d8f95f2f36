import { describe, expect, it } from 'vitest';
import { OutboxCore, type OutboxItem } from './outbox.js';

const item = (n: number, toId = 'bob'): OutboxItem => ({ messageId: `m${n}`, toId, toName: toId, text: `t${n}`, sentAtMs: n });

describe('OutboxCore (virtual time)', () => {
  it('asks for a session while the recipient has none, then sends in order once it is up', () => {
    const outbox = new OutboxCore();
    outbox.add(item(1));
    outbox.add(item(2));
    expect(outbox.due(0, () => false)).toEqual({ send: [], needSession: ['bob'] });
    const decision = outbox.due(10, () => true);
    expect(decision.send.map((i) => i.messageId)).toEqual(['m1', 'm2']);
    // In flight: nothing more to send until the retry time.
    expect(outbox.due(11, () => true).send).toEqual([]);
  });

  it('keeps at most windowPerPeer in flight and sends more as acks arrive', () => {
    const outbox = new OutboxCore({ windowPerPeer: 2, retryAfterMs: 1000, maxRetryAfterMs: 8000 });
    for (let i = 1; i <= 5; i++) outbox.add(item(i));
    expect(outbox.due(0, () => true).send.map((i) => i.messageId)).toEqual(['m1', 'm2']);
    expect(outbox.ack('m1')?.messageId).toBe('m1');
    expect(outbox.due(1, () => true, 'bob').send.map((i) => i.messageId)).toEqual(['m3']);
    expect(outbox.size).toBe(4);
  });

  it('resends after retryAfterMs, doubling up to the cap', () => {
    const outbox = new OutboxCore({ windowPerPeer: 10, retryAfterMs: 1000, maxRetryAfterMs: 3000 });
    outbox.add(item(1));
    outbox.due(0, () => true);
    expect(outbox.nextWakeAt()).toBe(1000);
    expect(outbox.due(999, () => true).send).toHaveLength(0);
    expect(outbox.due(1000, () => true).send).toHaveLength(1);
    expect(outbox.nextWakeAt()).toBe(3000);
    outbox.due(3000, () => true);
    expect(outbox.nextWakeAt()).toBe(6000); // capped at 3000, not 4000
  });

  it('resends everything in flight at once when the session breaks and comes back', () => {
    const outbox = new OutboxCore();
    outbox.add(item(1));
    outbox.add(item(2));
    outbox.due(0, () => true);
    outbox.sessionDown('bob');
    expect(outbox.due(1, () => true).send.map((i) => i.messageId)).toEqual(['m1', 'm2']);
  });

  it('ignores acks for unknown ids and duplicate adds', () => {
    const outbox = new OutboxCore();
    outbox.add(item(1));
    outbox.add(item(1));
    expect(outbox.size).toBe(1);
    expect(outbox.ack('nope')).toBeUndefined();
    expect(outbox.ack('m1')).toBeDefined();
    expect(outbox.ack('m1')).toBeUndefined();
    expect(outbox.recipients()).toEqual([]);
  });

  it('keeps recipients apart', () => {
    const outbox = new OutboxCore();
    outbox.add(item(1, 'bob'));
    outbox.add(item(2, 'carol'));
    const decision = outbox.due(0, (peer) => peer === 'bob');
    expect(decision.send.map((i) => i.messageId)).toEqual(['m1']);
    expect(decision.needSession).toEqual(['carol']);
  });
});

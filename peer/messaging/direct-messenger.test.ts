import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Item } from '../../proto/gen/peerlab/wire/v1/wire.pb.js';
import { systemClock } from '../clock.js';
import { Counters } from '../counters.js';
import type { PeerEvent } from '../events.js';
import { HistoryStore } from '../store/history-store.js';
import { waitFor } from '../../test/support/wait-for.js';
import { DirectMessenger } from './direct-messenger.js';

const ALICE = 'a'.repeat(32);
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'peerlab-messenger-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('DirectMessenger', () => {
  it('stores, acks and shows a message once; a store that fails is an error event, not a crash', async () => {
    const history = await HistoryStore.open(dir);
    const events: PeerEvent[] = [];
    const sent: Item[] = [];
    const counters = new Counters();
    const messenger = new DirectMessenger({
      clock: systemClock,
      counters,
      history,
      emit: (e) => events.push(e),
      sendItem: (_peer, item) => (sent.push(item), true),
      isUp: () => true,
      needSession: () => undefined,
      wakeAt: () => undefined,
    });
    const direct = (id: string): Item => ({ kind: { $case: 'direct', value: { id, text: `text ${id}`, sentAtMs: 1 } } });
    messenger.receive(ALICE, 'alice', [direct('m1'), direct('m1')]);
    await waitFor(() => sent.length === 2, 5000, 'two acks');
    expect(sent.every((i) => i.kind?.$case === 'ack')).toBe(true);
    expect(events.filter((e) => e.type === 'message')).toHaveLength(1);
    await history.close();
    // The store is gone (as after a disk failure): the peer reports it and keeps running.
    messenger.receive(ALICE, 'alice', [direct('m2')]);
    await waitFor(() => events.some((e) => e.type === 'error'), 5000, 'an error event');
    expect(counters.get('direct.store_errors')).toBe(1);
    expect(events.find((e) => e.type === 'error')).toMatchObject({ code: 'store' });
  });
});

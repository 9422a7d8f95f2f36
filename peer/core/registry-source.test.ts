/**
 * Registries in the core: with a registry, a peer announces (the shell publishes the
 * `multicast` packet to the registries) even with multicast off, and an announcement
 * read from a registry is the same event as a multicast one, tagged `registry`, and
 * judged by the same freshness and seq rules.
 */
import { describe, expect, it } from 'vitest';
import { checkPacket } from '../discovery/announcement.js';
import { World } from './testing/world.js';

describe('announcements read from a registry', () => {
  it('are announced without multicast, feed the table as source registry, and a repeat or an old one is stale', () => {
    const world = new World(3);
    const a = world.add('alice', { multicast: false, registry: true });
    const b = world.add('bob', { multicast: false, registry: true });
    world.start(a);
    world.start(b);
    world.runFor(10);
    const sent = world.log.find((l) => l.peer === 'alice' && l.action.type === 'multicast')?.action;
    if (sent?.type !== 'multicast') throw new Error('alice announced nothing for the registries');
    const form = checkPacket(sent.packet);
    if (!form.ok) throw new Error(`alice's announcement is not well formed: ${form.reason}`);
    const { announcement, body, signature } = form;
    expect(b.core.knows(a.id)).toBe(false);

    const heard = { type: 'announcement_heard', heard: { announcement, body, signature }, from: '10.0.0.1', source: 'registry' } as const;
    const now = { monoMs: world.now, wallMs: announcement.sentAtMs + 10 };
    const actions = b.core.handle(heard, now);
    expect(actions).toContainEqual({ type: 'emit', event: expect.objectContaining({ type: 'peer_up', peerId: a.id, host: '10.0.0.1' }) });
    expect(b.core.peers(now.monoMs).find((p) => p.id === a.id)?.source).toBe('registry');

    // The same entry read again (a registry answering with what it had): not news.
    b.core.handle(heard, { monoMs: now.monoMs + 1, wallMs: now.wallMs + 1 });
    // A stored entry older than the window (a dead peer's key): not a peer_up either.
    const later = { monoMs: now.monoMs + 60_000, wallMs: now.wallMs + 60_000 };
    const old = b.core.handle(heard, later);
    expect(old.some((action) => action.type === 'emit' && action.event.type === 'peer_up')).toBe(false);
    expect(b.counters.get('discovery.registry.dropped.stale')).toBe(2);
    expect(b.counters.get('discovery.multicast.dropped.stale')).toBe(0);
  });
});

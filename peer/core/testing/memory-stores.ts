/**
 * The stores of a test-world peer, in memory: what the real stores do that the
 * core can observe (a repeat is not fresh; outgoing messages not yet delivered
 * are the outbox; group messages by author time for digests), and nothing else.
 */
import type { GroupMessage } from '../../../proto/gen/peerlab/wire/v1/wire.pb.js';
import type { StoreWrite } from '../actions.js';
import type { GossipStoreView } from '../gossip-router.js';
import { NameBook } from '../name-book.js';
import type { OutboxItem } from '../outbox.js';

interface Outgoing {
  item: OutboxItem;
  delivered: boolean;
}

export class MemoryStores implements GossipStoreView {
  readonly book = new NameBook();
  readonly rooms = new Set<string>();
  /** Incoming message ids by sender; outgoing messages by id. */
  private readonly incoming = new Map<string, Set<string>>();
  private readonly outgoing = new Map<string, Outgoing>();
  private readonly groups = new Map<string, { wire: GroupMessage; hops: number; wallMs: number }>();
  private readonly byTime: { id: string; wallMs: number }[] = [];

  /** Applies a write; true when it was new. */
  write(write: StoreWrite): boolean {
    switch (write.kind) {
      case 'outgoing':
        this.outgoing.set(write.messageId, {
          item: { messageId: write.messageId, toId: write.peerId, toName: write.peerName, text: write.text, sentAtMs: write.sentAtMs },
          delivered: false,
        });
        return true;
      case 'incoming': {
        let ids = this.incoming.get(write.peerId);
        if (!ids) this.incoming.set(write.peerId, (ids = new Set()));
        if (ids.has(write.messageId)) return false;
        ids.add(write.messageId);
        return true;
      }
      case 'delivered': {
        const entry = this.outgoing.get(write.messageId);
        if (!entry || entry.delivered) return false;
        entry.delivered = true;
        return true;
      }
      case 'group': {
        if (this.groups.has(write.entry.messageId)) return false;
        this.groups.set(write.entry.messageId, { wire: { ...write.wire, ttl: 0, hops: 0 }, hops: write.entry.hops, wallMs: write.entry.hlcWallMs });
        this.byTime.push({ id: write.entry.messageId, wallMs: write.entry.hlcWallMs });
        this.byTime.sort((a, b) => a.wallMs - b.wallMs);
        return true;
      }
      case 'join_room':
        return !this.rooms.has(write.room) && this.rooms.add(write.room) !== undefined;
      case 'leave_room':
        return this.rooms.delete(write.room);
      case 'trust':
        return true;
    }
  }

  /** Outgoing messages not yet acknowledged: the outbox a restarted core starts from. */
  pendingOutgoing(): OutboxItem[] {
    return [...this.outgoing.values()].filter((o) => !o.delivered).map((o) => o.item);
  }

  conversationIds(): string[] {
    return [...new Set([...this.incoming.keys(), ...[...this.outgoing.values()].map((o) => o.item.toId)])];
  }

  has(id: string): boolean {
    return this.groups.has(id);
  }

  recent(sinceMs: number, max: number): { id: string; wallMs: number }[] {
    return this.byTime.filter((r) => r.wallMs >= sinceMs).slice(-max);
  }

  get(id: string): { wire: GroupMessage; hops: number } | undefined {
    const stored = this.groups.get(id);
    return stored && { wire: stored.wire, hops: stored.hops };
  }
}

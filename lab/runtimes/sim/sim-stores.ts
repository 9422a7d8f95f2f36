/**
 * A simulated peer's stores: the core's in-memory view of them (MemoryStores, as the
 * core's test world has it), plus what the control API lists — each conversation's
 * history and each room's messages. Writes are durable at once (a SIGKILL keeps what
 * the OS was handed); SimWorld tells the core they completed after a small virtual delay.
 */
import type { GroupEntry, HistoryEntry } from '../../../peer/control/peer-control.js';
import type { StoreWrite } from '../../../peer/core/actions.js';
import { compareHlc } from '../../../peer/core/hlc.js';
import { MemoryStores } from '../../../peer/core/testing/memory-stores.js';

type StoredHistoryEntry = Omit<HistoryEntry, 'nameVerified'>;
type StoredGroupEntry = Omit<GroupEntry, 'nameVerified'>;

export class SimStores extends MemoryStores {
  private readonly conversations = new Map<string, StoredHistoryEntry[]>();
  private readonly outgoingById = new Map<string, StoredHistoryEntry>();
  private readonly rooms_ = new Map<string, StoredGroupEntry[]>();

  override write(write: StoreWrite): boolean {
    const fresh = super.write(write);
    if (fresh) this.list(write);
    return fresh;
  }

  /** The most recent `limit` entries with `peerId`, oldest first. */
  history(peerId: string, limit: number): StoredHistoryEntry[] {
    const entries = this.conversations.get(peerId) ?? [];
    return limit > 0 ? entries.slice(-Math.floor(limit)).map((e) => ({ ...e })) : [];
  }

  /** The last `limit` messages of a room, in HLC order (author id breaks ties). */
  roomHistory(room: string, limit: number): StoredGroupEntry[] {
    const entries = [...(this.rooms_.get(room) ?? [])].sort(byHlc);
    return entries.slice(Math.max(0, entries.length - limit));
  }

  private list(write: StoreWrite): void {
    switch (write.kind) {
      case 'outgoing':
      case 'incoming': {
        const out = write.kind === 'outgoing';
        const entry: StoredHistoryEntry = {
          messageId: write.messageId,
          direction: out ? 'out' : 'in',
          peerId: write.peerId,
          peerName: write.peerName,
          text: write.text,
          sentAtMs: write.sentAtMs,
          atMs: out ? 0 : write.atMs,
          delivered: !out,
        };
        let entries = this.conversations.get(write.peerId);
        if (!entries) this.conversations.set(write.peerId, (entries = []));
        entries.push(entry);
        if (out) this.outgoingById.set(write.messageId, entry);
        return;
      }
      case 'delivered': {
        const entry = this.outgoingById.get(write.messageId);
        if (!entry) return;
        entry.delivered = true;
        entry.atMs = write.atMs;
        this.outgoingById.delete(write.messageId);
        return;
      }
      case 'group': {
        const { entry } = write;
        let entries = this.rooms_.get(entry.room);
        if (!entries) this.rooms_.set(entry.room, (entries = []));
        entries.push({ ...entry });
        return;
      }
      default:
        return;
    }
  }
}

/** The group store's order (peer/store/group-store.ts). */
function byHlc(a: StoredGroupEntry, b: StoredGroupEntry): number {
  return compareHlc({ wallMs: a.hlcWallMs, logical: a.hlcLogical }, { wallMs: b.hlcWallMs, logical: b.hlcLogical }) || a.authorId.localeCompare(b.authorId);
}

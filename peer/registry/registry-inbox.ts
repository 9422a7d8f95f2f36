/**
 * What every registry adapter does with an entry it read: a registry is only a
 * hint. The entry's announcement bytes are checked exactly like a multicast packet
 * (size, decoding, then the signature or hash chain in the core), the entry must sit under its own
 * peer's id (so nobody can file one peer's announcement under another's name), and
 * only then does it go to the core, tagged `registry`, where the freshness window and
 * the seq rule judge it like any announcement. Whatever the bytes, nothing throws:
 * a bad entry is dropped and counted as discovery.registry.dropped.<reason>.
 */
import type { CoreEvent } from '../core/events.js';
import type { Counters } from '../counters.js';
import { hostProblem } from '../discovery/announcement-fields.js';
import { checkPacket, type DropReason } from '../discovery/announcement.js';
import { LIMITS } from '../limits.js';

/** Why an entry was dropped before the core saw it: a packet's reasons, and the registry's own. */
export type EntryDropReason = DropReason | 'key_mismatch' | 'bad_entry';

/** Largest entry value read (an announcement in base64 plus an address and a little JSON). */
export const MAX_ENTRY_BYTES = 4096;

/** The announcement bytes and the address an entry holds, as the adapter read them (untrusted). */
export interface RawEntry {
  /** The peer id the entry is filed under (etcd key, Consul service id). */
  keyId: string;
  host: unknown;
  announcement: Uint8Array;
}

export class RegistryInbox {
  private readonly answering = new Map<string, boolean>();
  constructor(
    private readonly selfId: string,
    private readonly counters: Counters,
    private readonly feed: (event: CoreEvent) => void,
  ) {
    for (const reason of ['bad_entry', 'key_mismatch', 'oversized'] as const) counters.add(`discovery.registry.dropped.${reason}`, 0);
  }

  /** An entry read from a registry (a watch event, a listing). */
  entry(raw: RawEntry): void {
    if (raw.keyId === this.selfId) return; // our own, coming back
    if (raw.announcement.length > LIMITS.announcementBytes) return this.drop('oversized');
    if (typeof raw.host !== 'string' || hostProblem(raw.host) !== undefined) return this.drop('bad_entry');
    // Well formed here; the core checks the signature (or the announcement's hash chain).
    const result = checkPacket(raw.announcement);
    if (!result.ok) return this.drop(result.reason);
    // Filed under another id: a registry (or a writer to it) passing one peer off as another.
    if (result.announcement.id !== raw.keyId) return this.drop('key_mismatch');
    this.counters.add('discovery.registry.entries');
    const { announcement, body, signature } = result;
    this.feed({ type: 'announcement_heard', heard: { announcement, body, signature }, from: raw.host, source: 'registry' });
  }

  /**
   * Whether `registry` (its URL) answers: said by the adapter after every write or query,
   * passed to the core on a change, which holds the peers that registry told of while
   * it is out of reach.
   */
  reachable(registry: string, answers: boolean): void {
    if (this.answering.get(registry) === answers) return;
    this.answering.set(registry, answers);
    this.feed({ type: 'registry_reachable', registry, reachable: answers });
  }

  /** An entry the adapter could not even take apart (not JSON, too big, wrong shape). */
  drop(reason: EntryDropReason): void {
    this.counters.add(`discovery.registry.dropped.${reason}`);
  }
}

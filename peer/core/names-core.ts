/**
 * Names as this peer shows and resolves them. What a remote says its name is
 * (in its announcement, its handshake, a group message) is only a claim; the name
 * shown for an id, and the id a name means, come from this peer's own bindings
 * (the trust list, name-book.ts). Hints — peers mentioned in someone else's
 * announcement — never resolve a name. Binding changes go to the trust store
 * as `store { kind: 'trust' }` actions.
 */
import type { PeerTable } from './peer-table.js';
import { disambiguated, type NameBook, type NameClaim } from './name-book.js';
import type { PeerEvent } from '../events.js';
import { fingerprintOf, isPeerId } from '../identity/identity.js';
import { nameProblem } from '../discovery/announcement-fields.js';
import { quote } from '../limits.js';
import type { CoreContext } from './context.js';
import type { Token } from './events.js';
import { SendError } from './send-error.js';

export interface NamesOptions {
  self: { id: string; name: string };
  /** The bindings, as the trust store loaded them; changed only here. */
  book: NameBook;
  table: PeerTable;
  /** The key of the peer on the open session to `id`, if any (a handshake proved it). */
  sessionKey(id: string): Uint8Array | undefined;
  /** Ids this peer has conversations with. */
  conversationIds(): string[];
}

/** A peer a person named, resolved to an id. */
export interface Recipient {
  id: string;
  /** The name to show for it here. */
  name: string;
}

/** The smallest id prefix a person may type. */
const MIN_PREFIX = 8;

export class NamesCore {
  /**
   * The claims write: none due, binds waiting for the gap to end, one in flight, or one
   * in flight with binds made since.
   */
  private claimsWrite: 'idle' | 'waiting' | 'writing' | 'again' = 'idle';
  /** When the next claims write may start (monotonic ms): the gap after the last one. */
  private claimsGapEndsAt = -Infinity;

  constructor(
    private readonly ctx: CoreContext,
    private readonly options: NamesOptions,
  ) {}

  private get book(): NameBook {
    return this.options.book;
  }

  /** A name claimed by an id that proved its key directly (announcement or handshake): binds it if free, reports a conflict once. */
  claim(name: string, id: string, publicKey: Uint8Array): void {
    if (nameProblem(name) !== undefined) return;
    const { counters } = this.ctx;
    const outcome = this.book.claim(name, id, fingerprintOf(publicKey), this.ctx.now.wallMs);
    if (outcome.status === 'bound') {
      counters.add('trust.bound');
      this.saveClaims();
    }
    if (outcome.status === 'full') counters.add('trust.full');
    if (outcome.status === 'conflict' && outcome.first) {
      counters.add('trust.name_conflicts');
      const { name: claimed, knownId, claimingId } = outcome;
      this.ctx.emit({ type: 'name_conflict', atMs: this.ctx.now.wallMs, name: claimed, knownId, claimingId, claimingFingerprint: fingerprintOf(publicKey) });
    }
  }

  /** `/trust NAME ID`: binds a name to an id deliberately; the result (the binding made, the id it replaced) once saved. */
  trust(token: Token, name: string, idQuery: string): void {
    const problem = nameProblem(name);
    if (problem !== undefined) return this.ctx.fail(token, 'invalid', `the name ${quote(name)} ${problem}`);
    let id: string;
    try {
      id = this.byId(idQuery.replace(/^.*~/, '')).id;
    } catch (err) {
      return this.ctx.fail(token, 'invalid', (err as Error).message);
    }
    const fingerprint = this.fingerprintOf(id);
    if (!fingerprint) {
      return this.ctx.fail(token, 'invalid', `no key known for ${id.slice(0, 12)} yet: it must announce itself or open a session before its name can be trusted`);
    }
    const previous = this.book.trust(name, id, fingerprint, this.ctx.now.wallMs);
    this.persist(
      () => {
        this.ctx.counters.add('trust.rebound');
        this.ctx.result(token, { name, id, fingerprint, ...(previous ? { previousId: previous.id } : {}) });
      },
      (message) => this.ctx.fail(token, 'error', message),
    );
  }

  /** The name to show for `id`, and whether it is bound to it here. */
  display(id: string, claimed?: string): { name: string; verified: boolean } {
    return this.book.display(id, claimed);
  }

  /** An event with every peer name replaced by the name this peer shows for that id. */
  relabel(event: PeerEvent): PeerEvent {
    switch (event.type) {
      case 'peer_up':
      case 'peer_down':
      case 'session_up':
      case 'session_down':
        return { ...event, peerName: this.display(event.peerId, event.peerName).name };
      case 'message': {
        const shown = this.display(event.fromId, event.fromName);
        return { ...event, fromName: shown.name, nameVerified: shown.verified };
      }
      case 'delivered':
        return { ...event, toName: this.display(event.toId, event.toName).name };
      case 'group_message': {
        const shown = this.display(event.authorId, event.authorName);
        return { ...event, authorName: shown.name, nameVerified: shown.verified };
      }
      default:
        return event;
    }
  }

  /**
   * The peer a person means: a bound name, a full id, an id prefix of at least 8
   * hex digits, or a shown name `name~prefix`. A name that two ids claim, or that
   * only hints mention, is refused with an error that says what to type instead.
   */
  resolve(query: string): Recipient {
    const q = query.trim();
    if (q === '') throw new SendError('No peer given: use a name, an id, or an id prefix of at least 8 hex digits');
    if (q === this.options.self.id || q === this.options.self.name) {
      throw new SendError('that is this peer itself; name another peer (/peers lists them)');
    }
    const shownAs = /^(.*)~([0-9a-f]{8,32})$/i.exec(q);
    if (shownAs) return this.byId(shownAs[2]!);
    if (isPeerId(q.toLowerCase())) return this.recipient(q.toLowerCase());
    const lookup = this.book.lookup(q);
    if (lookup.status === 'bound') return this.recipient(lookup.id);
    if (lookup.status === 'contested') throw new SendError(contestedMessage(q, lookup.binding.id, lookup.claims));
    if (/^[0-9a-f]+$/i.test(q) && q.length >= MIN_PREFIX) return this.byId(q);
    throw new SendError(this.unknownNameMessage(q));
  }

  /** The safety number of a peer's key, when this peer has seen the key. */
  fingerprintOf(id: string): string | undefined {
    const known = this.book.knownKeys().get(id);
    if (known) return known;
    const key = this.options.table.get(id)?.publicKey ?? this.options.sessionKey(id);
    return key && fingerprintOf(key);
  }

  private persist(done: () => void, failed: (message: string) => void): void {
    this.ctx.store({ kind: 'trust' }, done, failed);
  }

  /**
   * Saves the names bound by claims. A write saves the whole book, so binds wait for the
   * write in flight and then for a gap that grows with the book (claimsWriteGapMs), and
   * all go out in one more write. Back to back, a peer that discovered a thousand others
   * rewrote its trust list (and fsynced it) without pause for as long as new peers kept
   * coming: in a 1,000-peer start that was an eighth of every host's CPU. A bind not yet
   * written is lost only by a crash within the gap, and the next start binds it again on
   * first use.
   */
  private saveClaims(): void {
    if (this.claimsWrite === 'waiting') return;
    if (this.claimsWrite !== 'idle') {
      this.claimsWrite = 'again';
      return;
    }
    if (this.ctx.now.monoMs < this.claimsGapEndsAt) {
      this.claimsWrite = 'waiting';
      return;
    }
    this.claimsWrite = 'writing';
    const settled = () => {
      const again = this.claimsWrite === 'again';
      this.claimsWrite = 'idle';
      this.claimsGapEndsAt = this.ctx.now.monoMs + claimsWriteGapMs(this.book.size);
      if (again) this.saveClaims();
    };
    this.persist(settled, (message) => {
      this.ctx.counters.add('trust.store_errors');
      this.ctx.error('store', `trust: ${message}`);
      settled();
    });
  }

  /** When binds made are waiting for the gap to end (monotonic ms), if they are. */
  nextDeadline(): number | undefined {
    return this.claimsWrite === 'waiting' ? this.claimsGapEndsAt : undefined;
  }

  /** Writes binds whose gap has ended. */
  tick(): void {
    if (this.claimsWrite !== 'waiting' || this.ctx.now.monoMs < this.claimsGapEndsAt) return;
    this.claimsWrite = 'idle';
    this.saveClaims();
  }

  /** The peer is stopping: binds still waiting for a claims write get it now (the stop does not wait for the write in flight). */
  flush(): void {
    if (this.claimsWrite === 'again' || this.claimsWrite === 'waiting') {
      this.claimsWrite = 'idle';
      this.claimsGapEndsAt = -Infinity;
      this.saveClaims();
    }
  }

  private recipient(id: string): Recipient {
    const claimed = this.options.table.get(id)?.name;
    return { id, name: this.display(id, claimed).name };
  }

  /** A full id or an id prefix, among peers whose key this peer has seen or talked to. */
  private byId(query: string): Recipient {
    const prefix = query.toLowerCase();
    if (isPeerId(prefix)) return this.recipient(prefix);
    if (!/^[0-9a-f]+$/.test(prefix) || prefix.length < MIN_PREFIX) {
      throw new SendError(`${quote(query)} is not an id prefix: give at least ${MIN_PREFIX} hex digits`);
    }
    const matches = [...this.candidateIds()].filter((id) => id.startsWith(prefix));
    if (matches.length === 1) return this.recipient(matches[0]!);
    if (matches.length > 1) {
      const listed = matches.slice(0, 5).map((id) => `${id.slice(0, 12)} (${this.display(id).name})`);
      throw new SendError(`${matches.length} peer ids start with ${quote(prefix)}: ${listed.join(', ')}; give a longer prefix`);
    }
    throw new SendError(`No peer with an id starting with ${quote(prefix)}`);
  }

  /** Ids a prefix may name: bound or claiming peers, peers heard from directly, sessions, conversations. Never bare hints. */
  private candidateIds(): Set<string> {
    const ids = new Set(this.book.knownKeys().keys());
    for (const peer of this.options.table.list()) if (peer.source !== 'hint') ids.add(peer.id);
    for (const id of this.options.conversationIds()) ids.add(id);
    return ids;
  }

  private unknownNameMessage(name: string): string {
    const mentioned = this.options.table.findByName(name);
    if (mentioned.length > 0) {
      const ids = mentioned.map((p) => p.id.slice(0, MIN_PREFIX)).join(', ');
      return `${quote(name)} is not a name this peer has bound: it was only mentioned by other peers (${ids}), which proves nothing. It can be named once it announces itself; to reach it now, send by its full id`;
    }
    return `No peer named ${quote(name)} (${this.book.size} names known); /peers lists who is in sight`;
  }
}

/** The refusal for a name two ids claim: both ids, and how to pick one. */
function contestedMessage(name: string, boundId: string, claims: NameClaim[]): string {
  const claimants = claims.map((c) => `${disambiguated(name, c.id)} (new, unverified)`);
  const first = claims[0]!.id.slice(0, MIN_PREFIX);
  return (
    `${claims.length + 1} peers claim the name ${quote(name)}: ${disambiguated(name, boundId)} (the one known here as ${name}) and ${claimants.join(', ')}. ` +
    `Send by id to pick one (/send ${boundId.slice(0, MIN_PREFIX)} TEXT), or compare safety numbers (/whois ${first}) and bind the name deliberately (/trust ${name} ID)`
  );
}

/**
 * The least time between two claims writes for a book of `entries` names. A write costs
 * time in proportion to the book (about 17 µs a name here: JSON, copy, fsync), so spacing
 * writes in proportion too keeps the trust list's share of a discovering peer's time the
 * same at any size: 50 ms a name keeps it near 0.03 % of a core. At least 1 s, at most a
 * minute (the most a crash can cost: binds made since the last write, bound again on first
 * sight after the restart).
 */
export function claimsWriteGapMs(entries: number): number {
  return Math.min(60_000, Math.max(1000, entries * 50));
}

/**
 * Which id a name means here: this peer's own bindings of names to ids (trust on
 * first use), and the claims that contest them. Core: no IO, no clock (`nowMs` is
 * passed in); the trust store persists `snapshot()`.
 *
 * Rules, chosen here:
 * - A name is only ever a claim. It is bound to an id when an id that has proven its
 *   key directly (its own signed announcement, or a completed handshake) claims a
 *   name nobody holds yet. Hearsay (a hint in someone else's announcement) and the
 *   author name inside a relayed group message never bind anything.
 * - A binding changes only by a person's deliberate `trust()`. A second id claiming a
 *   bound name (a new key, a reinstall, or an impostor) is a conflict: it is reported
 *   once per run, shown disambiguated (`alice~3f2a9c1e`) and unverified, and sending by
 *   that name is refused while the conflict stands, so a message never goes to a
 *   claimant by accident.
 * - `trust(name, id)` binds the name to that id and dismisses every other current
 *   claimant of it (they stay disambiguated but no longer block sending).
 * - An id may hold several names (it renamed itself); it is shown under the one it
 *   was bound to last.
 * - Bounded: at most `maxNames` bindings (beyond that a claim binds nothing and stays
 *   unverified), `maxConflicts` open conflicts (the oldest are forgotten), and
 *   `MAX_REMEMBERED_IDS` previous or dismissed ids per name.
 */

import { NAME_SEPARATOR } from '../discovery/announcement-fields.js';

/** A name's current binding. */
export interface NameBinding {
  id: string;
  /** Safety number of the bound id's key. */
  fingerprint: string;
  /** When this id was bound to the name (ms, wall clock). */
  boundAtMs: number;
  /** Ids this name was bound to before, oldest first. */
  previousIds: readonly string[];
  /** Ids a person dismissed as claimants of this name (by trusting another id). */
  dismissedIds: readonly string[];
}

/** A claimant that contests a bound name. */
export interface NameClaim {
  id: string;
  fingerprint: string;
  firstClaimedAtMs: number;
}

/** What a claim did. */
export type ClaimOutcome =
  /** The name was free and is now bound to the claimant (persist the book). */
  | { status: 'bound'; name: string; id: string }
  /** The name is already bound to the claimant, or the claimant was dismissed. */
  | { status: 'same' }
  /** Another id holds the name; `first` is true the first time this claimant is seen. */
  | { status: 'conflict'; name: string; knownId: string; claimingId: string; first: boolean }
  /** The book is full: nothing bound, the claim stays unverified. */
  | { status: 'full' }
  /** Not a name anyone may hold (empty, too long, control characters): ignored. */
  | { status: 'invalid' };

/** The name to show for an id. */
export interface DisplayName {
  name: string;
  /** True when the name comes from this peer's binding of the id; false for a bare claim. */
  verified: boolean;
}

/** How a name or id given by a person resolved. */
export type NameLookup =
  | { status: 'bound'; id: string; binding: NameBinding }
  | { status: 'contested'; binding: NameBinding; claims: NameClaim[] }
  | { status: 'unbound' };

export interface NameBookOptions {
  maxNames: number;
  maxConflicts: number;
}

/** Previous and dismissed ids kept per name. */
export const MAX_REMEMBERED_IDS = 16;
/** Hex digits of an id shown after `~` to tell claimants of one name apart. */
export const DISAMBIGUATION_DIGITS = 8;

/** The empty id list every new binding starts with: shared, as lists are replaced, never changed (a book holds up to 10,000 bindings). */
const NO_IDS: readonly string[] = Object.freeze([]);

const DEFAULTS: NameBookOptions = { maxNames: 10_000, maxConflicts: 1024 };

export class NameBook {
  private readonly bindings = new Map<string, NameBinding>();
  /** id -> the names bound to it, most recently bound last. */
  private readonly namesOf = new Map<string, string[]>();
  /** name -> claimants that contest its binding (in first-claimed order). */
  private readonly conflicts = new Map<string, Map<string, NameClaim>>();
  private conflictCount = 0;
  private readonly options: NameBookOptions;

  constructor(bindings: Iterable<[string, NameBinding]> = [], options: Partial<NameBookOptions> = {}) {
    this.options = { ...DEFAULTS, ...options };
    const loaded = [...bindings].sort((a, b) => a[1].boundAtMs - b[1].boundAtMs);
    for (const [name, binding] of loaded) this.setBinding(name, copyBinding(binding));
  }

  /** Number of bound names. */
  get size(): number {
    return this.bindings.size;
  }

  /** Records that `id`, having proven its key directly, calls itself `name`. */
  claim(name: string, id: string, fingerprint: string, nowMs: number): ClaimOutcome {
    const binding = this.bindings.get(name);
    if (!binding) {
      if (this.bindings.size >= this.options.maxNames) return { status: 'full' };
      this.setBinding(name, { id, fingerprint, boundAtMs: nowMs, previousIds: NO_IDS, dismissedIds: NO_IDS });
      return { status: 'bound', name, id };
    }
    if (binding.id === id || binding.dismissedIds.includes(id)) return { status: 'same' };
    let claims = this.conflicts.get(name);
    const first = !claims?.has(id);
    if (first) {
      if (!claims) this.conflicts.set(name, (claims = new Map()));
      claims.set(id, { id, fingerprint, firstClaimedAtMs: nowMs });
      this.conflictCount++;
      this.forgetOldestConflicts();
    }
    return { status: 'conflict', name, knownId: binding.id, claimingId: id, first };
  }

  /**
   * A person's deliberate choice: `name` means `id` from now on. Every other
   * current claimant is dismissed. Returns the binding it replaced, if any.
   */
  trust(name: string, id: string, fingerprint: string, nowMs: number): NameBinding | undefined {
    const old = this.bindings.get(name);
    const claimants = [...(this.conflicts.get(name)?.keys() ?? [])];
    this.conflictCount -= claimants.length;
    this.conflicts.delete(name);
    const others = [...(old ? [old.id] : []), ...claimants].filter((other) => other !== id);
    if (old && old.id === id) {
      old.dismissedIds = remember(old.dismissedIds, others);
      return undefined;
    }
    if (old) this.unlink(name, old.id);
    this.setBinding(name, {
      id,
      fingerprint,
      boundAtMs: nowMs,
      previousIds: old ? remember(old.previousIds, [old.id]) : [],
      dismissedIds: remember(old?.dismissedIds.filter((d) => d !== id) ?? [], others),
    });
    return old && copyBinding(old);
  }

  /** The name to show for `id`; `claimed` is what it (or someone about it) said its name is. */
  display(id: string, claimed?: string): DisplayName {
    const bound = this.nameOf(id);
    if (bound !== undefined) return { name: bound, verified: true };
    if (claimed === undefined || claimed === '') return { name: id.slice(0, DISAMBIGUATION_DIGITS), verified: false };
    return { name: this.bindings.has(claimed) ? disambiguated(claimed, id) : claimed, verified: false };
  }

  /** The name `id` is bound to (its most recent one), if any. */
  nameOf(id: string): string | undefined {
    return this.namesOf.get(id)?.at(-1);
  }

  /** What a name means here: its bound id, or the claimants that contest it. */
  lookup(name: string): NameLookup {
    const binding = this.bindings.get(name);
    if (!binding) return { status: 'unbound' };
    const claims = this.conflicts.get(name);
    if (claims && claims.size > 0) return { status: 'contested', binding: copyBinding(binding), claims: [...claims.values()] };
    return { status: 'bound', id: binding.id, binding: copyBinding(binding) };
  }

  /** Every bound id and every open claimant, with a fingerprint: who can be named by id prefix. */
  knownKeys(): Map<string, string> {
    const keys = new Map<string, string>();
    for (const claims of this.conflicts.values()) for (const claim of claims.values()) keys.set(claim.id, claim.fingerprint);
    for (const binding of this.bindings.values()) keys.set(binding.id, binding.fingerprint);
    return keys;
  }

  /** The bindings, for the trust store to persist (copies). */
  snapshot(): Array<[string, NameBinding]> {
    return [...this.bindings].map(([name, binding]) => [name, copyBinding(binding)]);
  }

  private setBinding(name: string, binding: NameBinding): void {
    this.bindings.set(name, binding);
    const names = (this.namesOf.get(binding.id) ?? []).filter((n) => n !== name);
    names.push(name);
    this.namesOf.set(binding.id, names);
  }

  private unlink(name: string, id: string): void {
    const names = this.namesOf.get(id)?.filter((n) => n !== name) ?? [];
    if (names.length > 0) this.namesOf.set(id, names);
    else this.namesOf.delete(id);
  }

  private forgetOldestConflicts(): void {
    for (const [name, claims] of this.conflicts) {
      if (this.conflictCount <= this.options.maxConflicts) return;
      for (const id of claims.keys()) {
        if (this.conflictCount <= this.options.maxConflicts) break;
        claims.delete(id);
        this.conflictCount--;
      }
      if (claims.size === 0) this.conflicts.delete(name);
    }
  }
}

/** `name~3f2a9c1e`: a name shown with the first digits of the id that claims it. */
export function disambiguated(name: string, id: string): string {
  return `${name}${NAME_SEPARATOR}${id.slice(0, DISAMBIGUATION_DIGITS)}`;
}

function remember(list: readonly string[], more: string[]): string[] {
  const out = list.filter((id) => !more.includes(id));
  out.push(...more);
  return out.slice(-MAX_REMEMBERED_IDS);
}

/** A copy of a binding; its id lists are shared, as they are replaced, never changed. */
function copyBinding(b: NameBinding): NameBinding {
  return { ...b };
}

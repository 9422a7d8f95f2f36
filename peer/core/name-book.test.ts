import { describe, expect, it } from 'vitest';
import { MAX_REMEMBERED_IDS, NameBook } from './name-book.js';

const id = (n: number) => n.toString(16).padStart(32, '0');
const ALICE = 'a1'.repeat(16);
const MALLORY = 'b2'.repeat(16);
const CAROL = 'c3'.repeat(16);

describe('NameBook', () => {
  it('binds a free name to the first id that claims it, and shows that name for the id', () => {
    const book = new NameBook();
    expect(book.claim('alice', ALICE, 'fp-a', 100)).toEqual({ status: 'bound', name: 'alice', id: ALICE });
    expect(book.claim('alice', ALICE, 'fp-a', 200)).toEqual({ status: 'same' });
    expect(book.display(ALICE, 'whatever it says now')).toEqual({ name: 'alice', verified: true });
    expect(book.lookup('alice')).toMatchObject({ status: 'bound', id: ALICE });
  });

  it('a second id claiming a bound name is a conflict: reported once, shown disambiguated, never re-binds', () => {
    const book = new NameBook();
    book.claim('alice', ALICE, 'fp-a', 100);
    expect(book.claim('alice', MALLORY, 'fp-m', 200)).toEqual({
      status: 'conflict',
      name: 'alice',
      knownId: ALICE,
      claimingId: MALLORY,
      first: true,
    });
    expect(book.claim('alice', MALLORY, 'fp-m', 300)).toMatchObject({ status: 'conflict', first: false });
    expect(book.display(MALLORY, 'alice')).toEqual({ name: `alice~${MALLORY.slice(0, 8)}`, verified: false });
    expect(book.display(ALICE)).toEqual({ name: 'alice', verified: true });
    const lookup = book.lookup('alice');
    expect(lookup.status).toBe('contested');
    if (lookup.status === 'contested') {
      expect(lookup.binding.id).toBe(ALICE);
      expect(lookup.claims.map((c) => c.id)).toEqual([MALLORY]);
    }
  });

  it('trust() re-binds deliberately and dismisses the other claimants', () => {
    const book = new NameBook();
    book.claim('alice', ALICE, 'fp-a', 100);
    book.claim('alice', MALLORY, 'fp-m', 200);
    book.claim('alice', CAROL, 'fp-c', 250);
    const previous = book.trust('alice', MALLORY, 'fp-m', 300);
    expect(previous?.id).toBe(ALICE);
    expect(book.lookup('alice')).toMatchObject({ status: 'bound', id: MALLORY });
    expect(book.display(MALLORY)).toEqual({ name: 'alice', verified: true });
    // The old holder and the other claimant are dismissed: shown apart, but no new conflict.
    expect(book.display(ALICE, 'alice')).toEqual({ name: `alice~${ALICE.slice(0, 8)}`, verified: false });
    expect(book.claim('alice', ALICE, 'fp-a', 400)).toEqual({ status: 'same' });
    expect(book.claim('alice', CAROL, 'fp-c', 400)).toEqual({ status: 'same' });
    const binding = book.snapshot().find(([name]) => name === 'alice')![1];
    expect(binding.previousIds).toEqual([ALICE]);
    expect([...binding.dismissedIds].sort()).toEqual([ALICE, CAROL].sort());
  });

  it('trust() of the bound id keeps the binding and settles the conflict', () => {
    const book = new NameBook();
    book.claim('alice', ALICE, 'fp-a', 100);
    book.claim('alice', MALLORY, 'fp-m', 200);
    expect(book.trust('alice', ALICE, 'fp-a', 300)).toBeUndefined();
    expect(book.lookup('alice')).toMatchObject({ status: 'bound', id: ALICE });
    expect(book.claim('alice', MALLORY, 'fp-m', 400)).toEqual({ status: 'same' });
  });

  it('a claim nobody contests stays unverified until bound; a bare id is shown by its prefix', () => {
    const book = new NameBook();
    expect(book.display(CAROL, 'carol')).toEqual({ name: 'carol', verified: false });
    expect(book.display(CAROL)).toEqual({ name: CAROL.slice(0, 8), verified: false });
  });

  it('an id that renames itself keeps its old names and is shown by the newest', () => {
    const book = new NameBook();
    book.claim('alice', ALICE, 'fp-a', 100);
    expect(book.claim('alice2', ALICE, 'fp-a', 200)).toMatchObject({ status: 'bound' });
    expect(book.nameOf(ALICE)).toBe('alice2');
    expect(book.lookup('alice')).toMatchObject({ status: 'bound', id: ALICE });
    // A bound peer claiming someone else's name is still a conflict for that name.
    book.claim('carol', CAROL, 'fp-c', 300);
    expect(book.claim('carol', ALICE, 'fp-a', 400)).toMatchObject({ status: 'conflict', knownId: CAROL });
    expect(book.display(ALICE, 'carol')).toEqual({ name: 'alice2', verified: true });
  });

  it('round-trips through snapshot(), order of binding kept for renamed ids', () => {
    const book = new NameBook();
    book.claim('alice', ALICE, 'fp-a', 100);
    book.claim('alice2', ALICE, 'fp-a', 200);
    book.claim('alice', MALLORY, 'fp-m', 300);
    const copy = new NameBook(book.snapshot());
    expect(copy.nameOf(ALICE)).toBe('alice2');
    expect(copy.lookup('alice')).toMatchObject({ status: 'bound', id: ALICE });
    // Open conflicts are not persisted: a claimant is reported again in the next run.
    expect(copy.claim('alice', MALLORY, 'fp-m', 400)).toMatchObject({ status: 'conflict', first: true });
  });

  it('is bounded: a full book binds nothing more; conflicts and remembered ids are capped', () => {
    const book = new NameBook([], { maxNames: 3, maxConflicts: 2 });
    for (let i = 0; i < 3; i++) book.claim(`n${i}`, id(i + 1), 'fp', i);
    expect(book.claim('n9', id(99), 'fp', 10)).toEqual({ status: 'full' });
    expect(book.display(id(99), 'n9')).toEqual({ name: 'n9', verified: false });
    for (let i = 0; i < 5; i++) book.claim('n0', id(100 + i), 'fp', 20 + i);
    const lookup = book.lookup('n0');
    expect(lookup.status === 'contested' && lookup.claims.map((c) => c.id)).toEqual([id(103), id(104)]);
    for (let i = 0; i < MAX_REMEMBERED_IDS + 4; i++) book.trust('n1', id(200 + i), 'fp', 100 + i);
    const binding = book.snapshot().find(([name]) => name === 'n1')![1];
    expect(binding.previousIds).toHaveLength(MAX_REMEMBERED_IDS);
    expect(binding.dismissedIds.length).toBeLessThanOrEqual(MAX_REMEMBERED_IDS);
  });
});

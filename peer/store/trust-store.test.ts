import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LimitError } from '../limits.js';
import { TrustStore } from './trust-store.js';

const ID1 = '1'.repeat(32);
const ID2 = '2'.repeat(32);
const ID3 = '3'.repeat(32);

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'peerlab-trust-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Waits until trust.json says what memory says (claims are saved in the background). */
async function saved(store: TrustStore): Promise<TrustStore> {
  for (let i = 0; i < 200; i++) {
    const reopened = await TrustStore.open(dir);
    if (JSON.stringify(reopened.book.snapshot()) === JSON.stringify(store.book.snapshot())) return reopened;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('trust.json never caught up with memory');
}

describe('TrustStore', () => {
  it('persists first-use bindings and deliberate re-binds across reopen', async () => {
    const s = await TrustStore.open(dir);
    expect(s.claim('alice', ID1, 'fp1', 100)).toMatchObject({ status: 'bound' });
    expect(s.claim('bob', ID2, 'fp2', 150)).toMatchObject({ status: 'bound' });
    expect(s.claim('alice', ID3, 'fp3', 200)).toMatchObject({ status: 'conflict', knownId: ID1, claimingId: ID3 });

    const s2 = await saved(s);
    expect(s2.book.lookup('alice')).toMatchObject({ status: 'bound', id: ID1 });
    expect(s2.book.nameOf(ID2)).toBe('bob');

    expect(await s2.trust('alice', ID3, 'fp3', 300)).toMatchObject({ id: ID1 });
    const s3 = await TrustStore.open(dir);
    expect(s3.book.lookup('alice')).toMatchObject({ status: 'bound', id: ID3, binding: { previousIds: [ID1], dismissedIds: [ID1] } });
    // The dismissed old holder does not raise a conflict again.
    expect(s3.claim('alice', ID1, 'fp1', 400)).toEqual({ status: 'same' });
  });

  it('reads a version 1 file (before name conflicts)', async () => {
    const v1 = { version: 1, names: { alice: { id: ID1, fingerprint: 'fp1', firstSeenMs: 5, previousIds: [ID2] } } };
    await writeFile(join(dir, 'trust.json'), JSON.stringify(v1));
    const s = await TrustStore.open(dir);
    expect(s.book.lookup('alice')).toMatchObject({ status: 'bound', id: ID1, binding: { boundAtMs: 5, previousIds: [ID2], dismissedIds: [] } });
  });

  it('gives a clear error naming the file when trust.json is corrupt', async () => {
    const path = join(dir, 'trust.json');
    await writeFile(path, '{"version": 2, "names": {"alice": ');
    await expect(TrustStore.open(dir)).rejects.toThrow(`trust file ${path} is corrupt`);
    await writeFile(path, JSON.stringify({ version: 2, names: { alice: { id: 'nope' } } }));
    await expect(TrustStore.open(dir)).rejects.toThrow(/entry "alice" is not/);
    await writeFile(path, JSON.stringify([1, 2]));
    await expect(TrustStore.open(dir)).rejects.toThrow(/expected an object with version 1 or 2/);
  });

  it('rejects bad input without writing anything', async () => {
    const s = await TrustStore.open(dir);
    expect(() => s.claim('alice', '../x', 'fp', 1)).toThrow(/not 32 lowercase hex digits/);
    expect(() => s.claim('', ID1, 'fp', 1)).toThrow(/non-empty/);
    expect(() => s.claim('x'.repeat(65), ID1, 'fp', 1)).toThrow(LimitError);
    await expect(s.trust('alice', ID1, '', 1)).rejects.toThrow(/fingerprint/);
    await expect(readFile(join(dir, 'trust.json'))).rejects.toThrow(/ENOENT/);
  });

  it('reports a failed write and keeps the binding in memory', async () => {
    const errors: Error[] = [];
    const s = await TrustStore.open(join(dir, 'sub'), { onSaveError: (err) => errors.push(err) });
    await rm(join(dir, 'sub'), { recursive: true });
    s.claim('alice', ID1, 'fp1', 1);
    for (let i = 0; i < 200 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(errors[0]?.message).toMatch(/cannot write trust file/);
    expect(s.book.lookup('alice')).toMatchObject({ status: 'bound', id: ID1 });
  });
});

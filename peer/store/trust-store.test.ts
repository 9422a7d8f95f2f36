import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LimitError } from '../limits.js';
import { MAX_PREVIOUS_IDS, TrustStore } from './trust-store.js';

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

describe('TrustStore', () => {
  it('reports new, then same, then changed, and persists each across reopen', async () => {
    const s = await TrustStore.open(dir);
    expect(s.lookup('alice')).toBeUndefined();
    expect(await s.observe('alice', ID1, 'fp1', 100)).toEqual({ status: 'new' });
    expect(await s.observe('alice', ID1, 'fp1', 200)).toEqual({ status: 'same' });

    const s2 = await TrustStore.open(dir);
    expect(await s2.observe('alice', ID1, 'fp1', 300)).toEqual({ status: 'same' });
    expect(await s2.observe('alice', ID2, 'fp2', 400)).toEqual({
      status: 'changed',
      previous: { id: ID1, fingerprint: 'fp1', firstSeenMs: 100 },
    });
    // The warning fires once per change: the new binding is now pinned.
    expect(await s2.observe('alice', ID2, 'fp2', 500)).toEqual({ status: 'same' });

    const s3 = await TrustStore.open(dir);
    expect(s3.lookup('alice')).toEqual({ id: ID2, fingerprint: 'fp2', firstSeenMs: 400, previousIds: [ID1] });
    expect(await s3.observe('alice', ID3, 'fp3', 600)).toMatchObject({ status: 'changed', previous: { id: ID2 } });
    expect((await TrustStore.open(dir)).lookup('alice')?.previousIds).toEqual([ID1, ID2]);
  });

  it('keeps names apart', async () => {
    const s = await TrustStore.open(dir);
    await s.observe('alice', ID1, 'fp1', 1);
    expect(await s.observe('bob', ID2, 'fp2', 2)).toEqual({ status: 'new' });
    expect((await TrustStore.open(dir)).lookup('bob')).toMatchObject({ id: ID2 });
  });

  it('concurrent observations of one new name: exactly one is new', async () => {
    const s = await TrustStore.open(dir);
    const results = await Promise.all([1, 2, 3].map((n) => s.observe('carol', ID1, 'fp1', n)));
    expect(results.map((r) => r.status).sort()).toEqual(['new', 'same', 'same']);
    const names = ['d1', 'd2', 'd3', 'd4'];
    await Promise.all(names.map((n, i) => s.observe(n, ID1, 'fp', i)));
    const reloaded = await TrustStore.open(dir);
    for (const n of ['carol', ...names]) expect(reloaded.lookup(n)).toMatchObject({ id: ID1 });
  });

  it(`keeps at most ${MAX_PREVIOUS_IDS} previous ids`, async () => {
    const s = await TrustStore.open(dir);
    for (let i = 0; i < MAX_PREVIOUS_IDS + 5; i++) {
      await s.observe('flaky', i.toString(16).padStart(32, '0'), 'fp', i);
    }
    const previous = s.lookup('flaky')!.previousIds;
    expect(previous).toHaveLength(MAX_PREVIOUS_IDS);
    expect(previous.at(-1)).toBe((MAX_PREVIOUS_IDS + 3).toString(16).padStart(32, '0'));
  });

  it('gives a clear error naming the file when trust.json is corrupt', async () => {
    const path = join(dir, 'trust.json');
    await writeFile(path, '{"version": 1, "names": {"alice": ');
    await expect(TrustStore.open(dir)).rejects.toThrow(`trust file ${path} is corrupt`);
    await writeFile(path, JSON.stringify({ version: 1, names: { alice: { id: 'nope' } } }));
    await expect(TrustStore.open(dir)).rejects.toThrow(/entry "alice" is not/);
    await writeFile(path, JSON.stringify([1, 2]));
    await expect(TrustStore.open(dir)).rejects.toThrow(/expected an object with version 1/);
  });

  it('rejects bad input', async () => {
    const s = await TrustStore.open(dir);
    await expect(s.observe('alice', '../x', 'fp', 1)).rejects.toThrow(/not 32 lowercase hex digits/);
    await expect(s.observe('', ID1, 'fp', 1)).rejects.toThrow(/non-empty/);
    await expect(s.observe('x'.repeat(65), ID1, 'fp', 1)).rejects.toBeInstanceOf(LimitError);
    await expect(readFile(join(dir, 'trust.json'))).rejects.toThrow(/ENOENT/);
  });
});

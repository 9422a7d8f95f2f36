import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { entriesOf, pack, unpack, writeEntries, type TarEntry } from './tar.js';

describe('tar for data dirs', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'peerlab-tar-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('packs a directory that GNU tar lists and extracts byte for byte, and unpacks what GNU tar packs', async () => {
    const src = join(dir, 'alice');
    await mkdir(join(src, 'history'), { recursive: true });
    await writeFile(join(src, 'identity.pem'), 'secret key\n', { mode: 0o600 });
    const big = Buffer.alloc(70_000, 7);
    await writeFile(join(src, 'history', `${'x'.repeat(120)}.log`), big);
    const archive = pack(await entriesOf(src, 'data/users/alice', (name) => name === 'peer.lock'));
    await writeFile(join(dir, 'a.tar'), archive);
    const out = join(dir, 'gnu');
    await mkdir(out);
    execFileSync('tar', ['-xf', join(dir, 'a.tar'), '-C', out]);
    expect(await readFile(join(out, 'data/users/alice/identity.pem'), 'utf8')).toBe('secret key\n');
    expect((await stat(join(out, 'data/users/alice/identity.pem'))).mode & 0o777).toBe(0o600);
    expect((await readFile(join(out, 'data/users/alice/history', `${'x'.repeat(120)}.log`))).equals(big)).toBe(true);

    const gnu = execFileSync('tar', ['-cf', '-', '-C', join(out, 'data/users'), 'alice']);
    const back = join(dir, 'back');
    await writeEntries(unpack(gnu, 1 << 20), back, 'alice');
    expect(await readFile(join(back, 'identity.pem'), 'utf8')).toBe('secret key\n');
    expect((await readFile(join(back, 'history', `${'x'.repeat(120)}.log`))).equals(big)).toBe(true);
  });

  it('refuses links, paths that leave the target, entries outside the user’s dir and archives over the limit', async () => {
    const file = (path: string): TarEntry => ({ path, type: 'file', mode: 0o644, data: Buffer.from('x') });
    await expect(writeEntries(unpack(pack([file('alice/../../etc/passwd')]), 1000), join(dir, 't'), 'alice')).rejects.toThrow(/leaves the data dir/);
    await expect(writeEntries(unpack(pack([file('bob/identity.pem')]), 1000), join(dir, 't'), 'alice')).rejects.toThrow(/outside alice\//);
    expect(() => unpack(pack([file('alice/a'), file('alice/b')]), 1)).toThrow(/more than 1 bytes/);
    const link = pack([file('alice/link')]);
    link[156] = '2'.charCodeAt(0);
    // The checksum is not checked: the type alone must be refused.
    expect(() => unpack(link, 1000)).toThrow(/only files and directories/);
  });
});

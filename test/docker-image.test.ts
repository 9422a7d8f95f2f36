/**
 * The peer image: `peerlab lab image` builds it (here: on the base made from the host's
 * node, since no registry answers), an unchanged peer reuses it, and a change to what
 * goes into it changes its tag. Real Docker; fails when Docker is missing.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { docker } from '../lab/runtimes/docker/docker-client.js';
import { contentHash, ensurePeerImage } from '../lab/runtimes/docker/peer-image.js';
import { runCli, tempDir } from './support/lab-cli.js';
import { PREPARE_TIMEOUT_MS, requireDocker } from './support/docker.js';

beforeAll(requireDocker, PREPARE_TIMEOUT_MS);

describe('peer image', () => {
  it('`peerlab lab image` builds or reuses the image and says which base it used', async () => {
    const first = await runCli(['lab', 'image']);
    expect(first.code, first.stderr).toBe(0);
    const built = JSON.parse(first.stdout.trim().split('\n').at(-1)!) as { image: string; base: string; requestedBase: string; fallbackReason?: string };
    expect(built.requestedBase).toBe('node:20-slim');
    expect(built.image).toMatch(/^peerlab-peer:[0-9a-f]{16}$/);
    // Either the requested base was there, or the fallback was used and the reason given.
    if (built.base !== built.requestedBase) {
      expect(built.base).toMatch(/^peerlab-node-base:/);
      expect(built.fallbackReason).toBeTruthy();
      expect(first.stderr).toContain("using a base made from the host's node");
    }
    const info = await docker().getImage(built.image).inspect();
    expect(info.Config.Entrypoint).toEqual(['node', '/app/dist/bin/peerlab.js']);

    // Nothing changed: the same image, not rebuilt.
    const again = await ensurePeerImage();
    expect(again).toMatchObject({ image: built.image, base: built.base, built: false });
  });

  it('tags by content: a changed peer gets a new tag, the same content the same one', async () => {
    await using dir = await tempDir('peerlab-image-');
    const file = join(dir.path, 'peer.js');
    await writeFile(file, 'export const version = 1;\n');
    const one = await contentHash('sha256:base', [file]);
    expect(await contentHash('sha256:base', [file])).toBe(one);
    await writeFile(file, 'export const version = 2;\n');
    expect(await contentHash('sha256:base', [file])).not.toBe(one);
    expect(await contentHash('sha256:other-base', [file])).not.toBe(await contentHash('sha256:base', [file]));
  });
});

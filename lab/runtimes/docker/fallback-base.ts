/**
 * The base image to use when the requested one cannot be pulled (no registry): built
 * FROM scratch with the host's node binary and the shared libraries `ldd` lists. Tagged
 * by a hash of those files, so it is built once per node version.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { LabError } from '../errors.js';
import { buildImage, imageExists } from './image-util.js';
import { REPO_ROOT } from './repo-root.js';

const run = promisify(execFile);

/** The files of a scratch node image: node itself and what its loader needs. */
async function nodeFiles(node: string): Promise<string[]> {
  const { stdout } = await run('ldd', [node]);
  const libs = [...stdout.matchAll(/(\/\S+)\s+\(0x/g)].map((m) => m[1]!);
  return [node, ...libs];
}

/** Builds (or reuses) the fallback base from the host's node; returns its tag. */
export async function ensureFallbackBase(node = '/usr/bin/node'): Promise<string> {
  let files: string[];
  try {
    files = await nodeFiles(node);
  } catch (err) {
    throw new LabError(`cannot build a base image from the host's node: \`ldd ${node}\` failed (${(err as Error).message})`, { cause: err });
  }
  const hash = createHash('sha256');
  hash.update(await readFile(join(REPO_ROOT, 'docker', 'base', 'Dockerfile')));
  for (const file of files) hash.update(file).update(await readFile(file));
  const tag = `peerlab-node-base:${hash.digest('hex').slice(0, 16)}`;
  if (await imageExists(tag)) return tag;
  const context = await mkdtemp(join(tmpdir(), 'peerlab-base-'));
  try {
    for (const file of files) {
      // Copies the file a symlink points to, under the symlink's own path.
      await mkdir(join(context, 'rootfs', dirname(file)), { recursive: true });
      await copyFile(file, join(context, 'rootfs', file));
    }
    // Writable places the peer may use: /tmp, and /data (its HOME and data dir).
    await mkdir(join(context, 'rootfs', 'tmp'), { recursive: true });
    await mkdir(join(context, 'rootfs', 'data'), { recursive: true });
    await copyFile(join(REPO_ROOT, 'docker', 'base', 'Dockerfile'), join(context, 'Dockerfile'));
    await buildImage(context, tag, {});
  } finally {
    await rm(context, { recursive: true, force: true });
  }
  return tag;
}

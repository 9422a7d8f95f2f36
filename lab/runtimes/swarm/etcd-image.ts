/**
 * The image of the swarm runtime's etcd task: this machine's etcd binary (Debian's
 * etcd-server, or $ETCD_BIN) on the peer image's base, built locally (no image can be
 * pulled here). Tagged by a hash of the binary, the base and this Dockerfile, so it is
 * built once and reused.
 */
import { createHash } from 'node:crypto';
import { access, constants, copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabError } from '../errors.js';
import { buildImage, imageExists, imageId } from '../docker/image-util.js';
import { etcdAvailable, etcdBinary } from '../../registry/etcd-binary.js';

const DOCKERFILE = 'ARG BASE\nFROM ${BASE}\nCOPY etcd /usr/local/bin/etcd\nENTRYPOINT ["/usr/local/bin/etcd"]\n';

/** Builds (or reuses) the etcd image on `base`; returns its name. */
export async function ensureEtcdImage(base: string, log: (line: string) => void = () => {}): Promise<string> {
  if (!etcdAvailable()) {
    throw new LabError(`etcd is not installed (${etcdBinary()} does not run): the swarm runtime puts this machine's etcd binary in an image; install the Debian package etcd-server (scripts/install-system-deps.sh) or set ETCD_BIN`);
  }
  const binary = await which(etcdBinary());
  const hash = createHash('sha256').update(DOCKERFILE).update(await imageId(base)).update(await readFile(binary)).digest('hex').slice(0, 16);
  const image = `peerlab-etcd:${hash}`;
  if (await imageExists(image)) return image;
  log(`image ${image}: building (etcd from ${binary} on ${base})`);
  const context = await mkdtemp(join(tmpdir(), 'peerlab-etcd-image-'));
  try {
    await writeFile(join(context, 'Dockerfile'), DOCKERFILE);
    await copyFile(binary, join(context, 'etcd'));
    await buildImage(context, image, { BASE: base });
  } catch (err) {
    throw new LabError(`building the etcd image ${image} on ${base} failed: ${(err as Error).message}`, { cause: err });
  } finally {
    await rm(context, { recursive: true, force: true });
  }
  return image;
}

/** The path of `command` ($PATH lookup when it has no slash). */
async function which(command: string): Promise<string> {
  if (command.includes('/')) return command;
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const path = join(dir, command);
    if (await access(path, constants.X_OK).then(() => true, () => false)) return path;
  }
  throw new LabError(`${command} is not on PATH`);
}

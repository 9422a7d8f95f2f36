/**
 * `peerlab lab image`: the peer image, built from a context the lab assembles (the
 * compiled dist/, the web UI's static files, package.json and the production dependencies out of node_modules:
 * the package-lock entries not marked dev), so building needs no network. The base is
 * an argument (node:20-slim by default); when it is neither local nor pullable, a base
 * is built from the host's node (fallback-base.ts). The tag is a hash of everything that
 * goes in, base included: an unchanged peer reuses its image, a changed one rebuilds.
 */
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { LabError } from '../errors.js';
import { ensureFallbackBase } from './fallback-base.js';
import { buildImage, imageExists, imageId, tagImage, tryPull } from './image-util.js';
import { REPO_ROOT } from './repo-root.js';

export const DEFAULT_BASE = 'node:20-slim';
export const IMAGE_REPOSITORY = 'peerlab-peer';

export interface PeerImageOptions {
  /** The base image (BASE build arg). */
  base?: string;
  /** Tag to give the image as well as the content-hash tag. */
  tag?: string;
  /** Progress lines (which base, cached or built). */
  log?: (line: string) => void;
}

export interface PeerImage {
  /** The content-addressed name, `peerlab-peer:<hash>`. */
  image: string;
  /** The base asked for. */
  requestedBase: string;
  /** The base used: the requested one, or the fallback built from the host's node. */
  base: string;
  /** Why the requested base was not used, when it was not. */
  fallbackReason?: string;
  /** False when an image with this hash existed already. */
  built: boolean;
}

/** dist files that belong in the image (no tests, no benches, no maps). */
async function distFiles(dir = join(REPO_ROOT, 'dist')): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .filter((f) => !/\.test\.js$|\.map$|\.d\.ts$/.test(f) && !relative(join(REPO_ROOT, 'dist'), f).startsWith('bench/') && !relative(join(REPO_ROOT, 'dist'), f).startsWith('test/'))
    .sort();
}

/** Files the compiled peer reads beside dist/ at run time: the web UI's page (peer/web/static/). */
async function runtimeAssets(dir = join(REPO_ROOT, 'peer', 'web', 'static')): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(dir, e.name)).sort();
}

/** The node_modules paths of production dependencies, from package-lock.json. */
async function productionPackages(): Promise<string[]> {
  const lock = JSON.parse(await readFile(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; devOptional?: boolean }> };
  return Object.entries(lock.packages)
    .filter(([path, meta]) => path.startsWith('node_modules/') && !meta.dev && !meta.devOptional)
    .map(([path]) => path)
    .sort();
}

/** Hash of what goes into the image: Dockerfile, base id, package files, dist. */
export async function contentHash(baseId: string, files: string[]): Promise<string> {
  const hash = createHash('sha256');
  hash.update(baseId);
  for (const file of ['docker/Dockerfile', 'package.json', 'package-lock.json']) hash.update(file).update(await readFile(join(REPO_ROOT, file)));
  for (const file of files) hash.update(relative(REPO_ROOT, file)).update(await readFile(file));
  return hash.digest('hex').slice(0, 16);
}

/** Resolves the base: local, pulled, or the fallback built from the host's node. */
async function resolveBase(requested: string, log: (line: string) => void): Promise<{ base: string; fallbackReason?: string }> {
  if (await imageExists(requested)) return { base: requested };
  log(`base ${requested}: not present, pulling`);
  const pulled = await tryPull(requested);
  if (pulled.ok) return { base: requested };
  log(`base ${requested}: cannot be pulled (${pulled.reason.trim()}); using a base made from the host's node`);
  return { base: await ensureFallbackBase(), fallbackReason: pulled.reason };
}

/** Builds the peer image, or reuses it when nothing changed. */
export async function ensurePeerImage(options: PeerImageOptions = {}): Promise<PeerImage> {
  const log = options.log ?? (() => {});
  const requestedBase = options.base ?? DEFAULT_BASE;
  let files: string[];
  try {
    files = [...(await distFiles()), ...(await runtimeAssets())];
  } catch (err) {
    throw new LabError(`the peer is not built (${join(REPO_ROOT, 'dist')} unreadable); run \`npm run build\` first`, { cause: err });
  }
  const { base, fallbackReason } = await resolveBase(requestedBase, log);
  const image = `${IMAGE_REPOSITORY}:${await contentHash(await imageId(base), files)}`;
  const result: PeerImage = { image, requestedBase, base, built: false, ...(fallbackReason ? { fallbackReason } : {}) };
  if (await imageExists(image)) {
    log(`image ${image}: up to date (base ${base})`);
  } else {
    log(`image ${image}: building on ${base}`);
    const context = await mkdtemp(join(tmpdir(), 'peerlab-image-'));
    try {
      await assembleContext(context, files);
      await buildImage(context, image, { BASE: base });
    } catch (err) {
      throw new LabError(`building the peer image ${image} on ${base} failed: ${(err as Error).message}`, { cause: err });
    } finally {
      await rm(context, { recursive: true, force: true });
    }
    result.built = true;
    await pruneOldImages(image, log);
  }
  if (options.tag) await tagImage(image, options.tag);
  return result;
}

async function assembleContext(context: string, files: string[]): Promise<void> {
  const app = join(context, 'app');
  await mkdir(app, { recursive: true });
  await cp(join(REPO_ROOT, 'docker', 'Dockerfile'), join(context, 'Dockerfile'));
  await cp(join(REPO_ROOT, 'package.json'), join(app, 'package.json'));
  for (const file of files) await cp(file, join(app, relative(REPO_ROOT, file)));
  for (const pkg of await productionPackages()) {
    const from = join(REPO_ROOT, pkg);
    // Optional packages for other platforms are in the lock but not on disk.
    await cp(from, join(app, pkg), { recursive: true, filter: (src) => !src.includes('/node_modules/.bin') }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
}

/** Older peer images (not this one, not used by any container) go: each is ~40 MB of app layer. */
async function pruneOldImages(keep: string, log: (line: string) => void): Promise<void> {
  const { docker } = await import('./docker-client.js');
  const images = await docker().listImages({ filters: JSON.stringify({ reference: [`${IMAGE_REPOSITORY}:*`] }) });
  const tags = images.flatMap((i) => i.RepoTags ?? []).filter((t) => t.startsWith(`${IMAGE_REPOSITORY}:`) && t !== keep);
  for (const tag of tags) {
    // Refused (409) while a container uses it: then it stays.
    await docker().getImage(tag).remove().then(
      () => log(`removed the older image ${tag}`),
      () => undefined,
    );
  }
}

/**
 * A spawned peer inside a container (docker and swarm spawners alike): its command, its
 * fixed ports, where the user's data sits, and moving that data in before a claim and
 * out after a stop through Docker's archive API. The container never sees any other
 * user's files: only this user's dir is copied in.
 */
import { randomBytes } from 'node:crypto';
import { rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { webArgs } from '../peer-web.js';
import { entriesOf, pack, unpack, writeEntries, type TarEntry } from './tar.js';

/** Ports inside every container (each has its own address, so fixed ports are fine). */
export const CONTAINER_PORTS = { grpc: 7000, web: 7400, control: 7401, claim: 7402 } as const;

/** The users' data dirs inside a container: `/data/users/NAME` (HOME is /data in the peer image). */
export const CONTAINER_USERS_DIR = 'data/users';

/** The largest data dir moved in or out: it passes through memory once per login and logout. */
export const MAX_DATA_BYTES = 256 * 1024 * 1024;

/** The `peerlab peer` arguments of a vacant peer in a container. */
export function vacantCommand(peerArgs: string[]): string[] {
  return [
    'peer',
    '--vacant', `0.0.0.0:${CONTAINER_PORTS.claim}`,
    '--host', '0.0.0.0',
    '--port', String(CONTAINER_PORTS.grpc),
    '--control-host', '0.0.0.0',
    '--control-port', String(CONTAINER_PORTS.control),
    ...webArgs(`0.0.0.0:${CONTAINER_PORTS.web}`),
    // No --json: the container's log would hold every message text.
    '--no-stdin',
    ...peerArgs,
  ];
}

/** The user's data dir inside the container. */
export function containerDataDir(user: string): string {
  return `/${CONTAINER_USERS_DIR}/${user}`;
}

/** Copies `hostDir` (the user's data; absent on a first login) into the container as the user's data dir. */
export async function copyIn(container: Docker.Container, user: string, hostDir: string): Promise<void> {
  const exists = await stat(hostDir).then(() => true, () => false);
  const parents: TarEntry[] = [
    { path: 'data', type: 'dir', mode: 0o755 },
    { path: CONTAINER_USERS_DIR, type: 'dir', mode: 0o700 },
  ];
  // The lock belongs to a process of the container the data came from.
  const own = exists ? await entriesOf(hostDir, `${CONTAINER_USERS_DIR}/${user}`, (name) => name === 'peer.lock') : [{ path: `${CONTAINER_USERS_DIR}/${user}`, type: 'dir' as const, mode: 0o700 }];
  await container.putArchive(pack([...parents, ...own]), { path: '/' });
}

/**
 * Copies the user's data dir out of the container (running or stopped) over `hostDir`:
 * unpacked beside it first, then swapped in, so a failure leaves the old copy whole.
 * Resolves false when the container has no such dir (its peer never started).
 */
export async function copyOut(container: Docker.Container, user: string, hostDir: string): Promise<boolean> {
  let stream: NodeJS.ReadableStream;
  try {
    stream = await container.getArchive({ path: containerDataDir(user) });
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return false;
    throw err;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    // Headers and padding on top of the data itself.
    if (size > MAX_DATA_BYTES * 1.1 + 1024 * 1024) throw new Error(`${user}'s data in container ${container.id.slice(0, 12)} is over ${MAX_DATA_BYTES} bytes`);
    chunks.push(chunk);
  }
  const tag = randomBytes(4).toString('hex');
  const incoming = join(hostDir, '..', `.incoming-${user}-${tag}`);
  const old = join(hostDir, '..', `.old-${user}-${tag}`);
  try {
    await writeEntries(unpack(Buffer.concat(chunks), MAX_DATA_BYTES), incoming, user);
    await rename(hostDir, old).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    await rename(incoming, hostDir);
  } finally {
    await rm(incoming, { recursive: true, force: true });
    await rm(old, { recursive: true, force: true });
  }
  return true;
}

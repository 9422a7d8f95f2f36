/**
 * Clears the peer's data-dir lock in a stopped container before it starts again.
 *
 * The peer's lock (peer/store/data-dir-lock.ts) holds its pid and is taken over when that
 * pid no longer runs. After `docker kill`, the lock names the old node's pid inside the
 * container's pid namespace; in the restarted container pids start over, and that number
 * can belong to a thread of the new node, so the lock looks held and the peer refuses to
 * start. The container is stopped, so nobody holds the lock: it is emptied (an
 * unreadable lock counts as stale) through the archive API.
 */
import type Docker from 'dockerode';

/** A one-file tar archive (ustar), the file empty. */
function emptyFileTar(name: string): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write('0000644\0', 100, 'ascii'); // mode
  header.write('0000000\0', 108, 'ascii'); // uid
  header.write('0000000\0', 116, 'ascii'); // gid
  header.write('00000000000\0', 124, 'ascii'); // size 0
  header.write(`${Math.floor(Date.now() / 1000).toString(8).padStart(11, '0')}\0`, 136, 'ascii');
  header.write('        ', 148, 'ascii'); // checksum placeholder: spaces
  header.write('0', 156, 'ascii'); // regular file
  header.write('ustar\0' + '00', 257, 'ascii');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return Buffer.concat([header, Buffer.alloc(1024)]);
}

/** Empties `<dataDir>/peer.lock` in the (stopped) container; no-op when the dir is not there. */
export async function clearStaleLock(container: Docker.Container, dataDir: string): Promise<void> {
  await container.putArchive(emptyFileTar('peer.lock'), { path: dataDir }).catch((err: { statusCode?: number }) => {
    if (err.statusCode !== 404) throw err;
  });
}

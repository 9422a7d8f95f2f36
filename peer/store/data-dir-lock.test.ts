import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDirInUseError, lockDataDir } from './data-dir-lock.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'peerlab-lock-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('lockDataDir', () => {
  it('refuses a second owner while a live process holds the lock', async () => {
    // A real other process, alive for the duration of the check.
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      const stat = (await readFile(`/proc/${other.pid}/stat`, 'utf8')).trim();
      const startTime = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
      await writeFile(join(dir, 'peer.lock'), `${other.pid} ${startTime}\n`);
      await expect(lockDataDir(dir)).rejects.toThrow(DataDirInUseError);
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('takes over a lock whose pid now belongs to another process (pid reuse)', async () => {
    // A live pid with the wrong start time: what a restarted container looks like.
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      await writeFile(join(dir, 'peer.lock'), `${other.pid} 1\n`);
      const lock = await lockDataDir(dir);
      expect((await readFile(join(dir, 'peer.lock'), 'utf8')).split(' ')[0]).toBe(String(process.pid));
      await lock.release();
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('takes over a lock recorded under its own pid (a restarted container often gets the same pid)', async () => {
    await writeFile(join(dir, 'peer.lock'), `${process.pid} 1\n`);
    const lock = await lockDataDir(dir);
    expect((await readFile(join(dir, 'peer.lock'), 'utf8')).trim().split(' ')[1]).not.toBe('1');
    await lock.release();
  });
});
